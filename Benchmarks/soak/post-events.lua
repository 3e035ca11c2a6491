-- wrk script: POST /v1/events with a 10-event JSON array whose models and request ids vary.
local counter = 0
local body_template = '{"timestamp":%d,"provider":"openai","model":"gpt-4o","status_code":%d,"latency_ms":%d,' ..
  '"input_tokens":120,"output_tokens":40,"error_type":%s,"request_id":"soak-%d","request_outcome":"success"}'

request = function()
  local events = {}
  for i = 1, 10 do
    counter = counter + 1
    local failed = counter % 20 == 0
    events[i] = string.format(body_template, os.time(), failed and 503 or 200, 100 + counter % 900,
      failed and '"unavailable"' or 'null', counter)
  end
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, "[" .. table.concat(events, ",") .. "]")
end
