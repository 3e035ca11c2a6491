/// The Lua scripts of ``RedisSharedStateStore``. Each runs atomically in Redis on the server's clock
/// (`TIME`), so replicas with skewed clocks still share one window.
///
/// Keys of a provider share the hash tag `{provider}` (one cluster slot):
/// `req` (sorted set: admitted request ids by time), `tok` (sorted set: `id:tokens` by time), `toksum`
/// (tokens in `tok`), `conc` (sorted set: concurrency leases by expiry), `cb` (hash: `until`, `successes`),
/// `trials` (sorted set: half-open trial leases by expiry), `pvreq` / `pvtok` (hash: `remaining`, `reset`,
/// `at`: what the provider's headers said, and when), `seq` (reservation ids).
enum SharedStateScripts {
    /// ARGV: rpm, tpm, max_concurrent (0 = unlimited), tokens, lease_ms, half_open_max, window_ms,
    /// outage_window_ms. Returns {0, id, trial, holds_lease, outage_failures} granted; {1, wait_ms, reason} wait (reason 1 rpm, 2 tpm,
    /// 3 provider requests, 4 provider tokens); {2, retry_after_ms or -1, outage_failures} circuit open; {3} concurrency.
    static let admit = RedisScript(#"""
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local rpm, tpm, maxc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
    local tokens, lease, halfmax, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
    local function outage()
      redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', now - tonumber(ARGV[8]))
      return redis.call('ZCARD', KEYS[10])
    end
    local trial = 0
    local untilms = redis.call('HGET', KEYS[5], 'until')
    if untilms then
      untilms = tonumber(untilms)
      if now < untilms then return {2, untilms - now, outage()} end
      redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
      if redis.call('ZCARD', KEYS[6]) >= halfmax then return {2, -1, outage()} end
      trial = 1
    end
    local wait, reason = 0, 0
    local function consider(w, r) if w > wait then wait = w; reason = r end end
    local horizon = now - window
    local rq = redis.call('HMGET', KEYS[7], 'remaining', 'reset', 'at')
    if rpm > 0 and rq[2] and tonumber(rq[2]) > now and rq[3] then
      -- A rolling-window provider frees a request of ours when it leaves the window: credit the ones
      -- that left since the provider's report, so a stale 0 does not block until the full reset.
      local freed = redis.call('ZCOUNT', KEYS[1], '(' .. (tonumber(rq[3]) - window), horizon)
      if freed > 0 then
        rq[1] = tonumber(rq[1]) + freed
        redis.call('HSET', KEYS[7], 'remaining', rq[1], 'at', now)
      end
    end
    if rq[2] and tonumber(rq[2]) > now and tonumber(rq[1]) <= 0 then consider(tonumber(rq[2]) - now, 3) end
    local tk = redis.call('HMGET', KEYS[8], 'remaining', 'reset')
    if tk[2] and tonumber(tk[2]) > now and tonumber(tk[1]) < math.max(tokens, 1) then consider(tonumber(tk[2]) - now, 4) end
    if rpm > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
      local count = redis.call('ZCARD', KEYS[1])
      if count >= rpm then
        local oldest = redis.call('ZRANGE', KEYS[1], count - rpm, count - rpm, 'WITHSCORES')
        consider(tonumber(oldest[2]) + window - now, 1)
      end
    end
    if tpm > 0 then
      local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', horizon)
      if #expired > 0 then
        local gone = 0
        for _, member in ipairs(expired) do gone = gone + tonumber(string.match(member, ':(%-?%d+)$')) end
        redis.call('DECRBY', KEYS[3], gone)
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', horizon)
      end
      local sum = tonumber(redis.call('GET', KEYS[3]) or '0')
      if sum + tokens > tpm and redis.call('ZCARD', KEYS[2]) > 0 then
        local entries = redis.call('ZRANGE', KEYS[2], 0, 999, 'WITHSCORES')
        local left = sum
        for i = 1, #entries, 2 do
          left = left - tonumber(string.match(entries[i], ':(%-?%d+)$'))
          if left + tokens <= tpm or i + 1 >= #entries then
            consider(tonumber(entries[i + 1]) + window - now, 2)
            break
          end
        end
      end
    end
    if wait > 0 then return {1, wait, reason} end
    if maxc > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
      if redis.call('ZCARD', KEYS[4]) >= maxc then return {3} end
    end
    local id = redis.call('INCR', KEYS[9])
    if rpm > 0 then
      redis.call('ZADD', KEYS[1], now, id)
      redis.call('PEXPIRE', KEYS[1], window * 2)
    end
    if tpm > 0 then
      redis.call('ZADD', KEYS[2], now, id .. ':' .. tokens)
      redis.call('INCRBY', KEYS[3], tokens)
      redis.call('PEXPIRE', KEYS[2], window * 2)
      redis.call('PEXPIRE', KEYS[3], window * 2)
    end
    local holds = 0
    if maxc > 0 then
      redis.call('ZADD', KEYS[4], now + lease, id)
      redis.call('PEXPIRE', KEYS[4], lease * 2)
      holds = 1
    end
    if trial == 1 then redis.call('ZADD', KEYS[6], now + lease, id) end
    local failures = outage()
    if rq[2] and tonumber(rq[2]) > now then redis.call('HINCRBY', KEYS[7], 'remaining', -1) end
    if tk[2] and tonumber(tk[2]) > now then redis.call('HINCRBY', KEYS[8], 'remaining', -tokens) end
    return {0, id, trial, holds, failures}
    """#)

    /// KEYS: tok, toksum, conc, cb, trials, outage. ARGV: id, estimated, actual (-1 = keep), trial (0 none,
    /// 1 succeeded, 2 failed), success_threshold, recovery_ms, outage (0 nothing, 1 a counted failure,
    /// 2 a success: the outage is over), outage_window_ms.
    static let complete = RedisScript(#"""
    local id, est, actual, trial = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
    if actual >= 0 and actual ~= est then
      local member = id .. ':' .. est
      local score = redis.call('ZSCORE', KEYS[1], member)
      if score then
        redis.call('ZREM', KEYS[1], member)
        redis.call('ZADD', KEYS[1], score, id .. ':' .. actual)
        redis.call('INCRBY', KEYS[2], actual - est)
      end
    end
    redis.call('ZREM', KEYS[3], id)
    if trial ~= 0 and redis.call('ZREM', KEYS[5], id) == 1 then
      if trial == 1 then
        if redis.call('HINCRBY', KEYS[4], 'successes', 1) >= tonumber(ARGV[5]) then redis.call('DEL', KEYS[4], KEYS[5]) end
      else
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('HSET', KEYS[4], 'until', now + tonumber(ARGV[6]), 'successes', 0)
        redis.call('DEL', KEYS[5])
      end
    end
    local outage = tonumber(ARGV[7])
    if outage == 1 then
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      redis.call('ZADD', KEYS[6], now, id)
      redis.call('PEXPIRE', KEYS[6], tonumber(ARGV[8]))
    elseif outage == 2 then
      redis.call('DEL', KEYS[6])
    end
    return 1
    """#)

    /// KEYS: cb, trials. ARGV: open (1/0), recovery_ms. Opening keeps an `until` already further away.
    static let circuit = RedisScript(#"""
    redis.call('DEL', KEYS[2])
    if ARGV[1] == '1' then
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local untilms = now + tonumber(ARGV[2])
      local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
      redis.call('HSET', KEYS[1], 'until', math.max(untilms, current), 'successes', 0)
      redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 3600000)
    else
      redis.call('DEL', KEYS[1])
    end
    return 1
    """#)

    /// KEYS: pvreq, pvtok. ARGV: requests remaining (-1 = not reported), requests reset ms, tokens
    /// remaining, tokens reset ms.
    static let limits = RedisScript(#"""
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    for i = 1, 2 do
      local remaining, reset = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
      if remaining >= 0 and reset > 0 then
        redis.call('HSET', KEYS[i], 'remaining', remaining, 'reset', now + reset, 'at', now)
        redis.call('PEXPIRE', KEYS[i], reset + 1000)
      end
    end
    return 1
    """#)
}
