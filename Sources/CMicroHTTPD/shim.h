#ifndef BULWARK_CMICROHTTPD_SHIM_H
#define BULWARK_CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* Typed, non-variadic wrappers so Swift never has to build C varargs. */

typedef void *(*bulwark_mhd_uri_log_callback)(void *cls, const char *uri,
                                              struct MHD_Connection *connection);

/* Everything the daemon is started with; turned into one MHD_OPTION_ARRAY. */
struct bulwark_mhd_settings {
  unsigned int flags;
  MHD_socket listen_socket;
  unsigned int thread_pool_size;
  unsigned int connection_limit;
  unsigned int per_ip_connection_limit;     /* 0: none */
  unsigned int connection_timeout_seconds;  /* idle timeout; 0: none */
  size_t connection_memory_limit;           /* per-connection header pool; 0: libmicrohttpd's default */
  int strict_for_client;                    /* MHD_OPTION_STRICT_FOR_CLIENT: 1 strict, 0 default */
  const char *tls_certificate_pem;          /* NULL: plain HTTP */
  const char *tls_key_pem;
  MHD_LogCallback logger;
  MHD_AccessHandlerCallback access_handler;
  MHD_RequestCompletedCallback request_completed;
  bulwark_mhd_uri_log_callback uri_logger;
  MHD_NotifyConnectionCallback notify_connection;
  void *cls;
};

static inline struct MHD_Daemon *
bulwark_mhd_start_daemon(const struct bulwark_mhd_settings *s)
{
  struct MHD_OptionItem options[16];
  unsigned int n = 0;
  unsigned int flags = s->flags;
#define BULWARK_OPT(o, v, p) do { options[n].option = (o); options[n].value = (intptr_t)(v); \
                                  options[n].ptr_value = (void *)(p); n++; } while (0)
  BULWARK_OPT(MHD_OPTION_EXTERNAL_LOGGER, s->logger, s->cls);
  BULWARK_OPT(MHD_OPTION_LISTEN_SOCKET, s->listen_socket, NULL);
  BULWARK_OPT(MHD_OPTION_THREAD_POOL_SIZE, s->thread_pool_size, NULL);
  BULWARK_OPT(MHD_OPTION_CONNECTION_LIMIT, s->connection_limit, NULL);
  if (s->per_ip_connection_limit > 0)
    BULWARK_OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_connection_limit, NULL);
  BULWARK_OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->connection_timeout_seconds, NULL);
  if (s->connection_memory_limit > 0)
    BULWARK_OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->connection_memory_limit, NULL);
  BULWARK_OPT(MHD_OPTION_STRICT_FOR_CLIENT, s->strict_for_client, NULL);
  BULWARK_OPT(MHD_OPTION_NOTIFY_COMPLETED, s->request_completed, s->cls);
  BULWARK_OPT(MHD_OPTION_URI_LOG_CALLBACK, s->uri_logger, s->cls);
  BULWARK_OPT(MHD_OPTION_NOTIFY_CONNECTION, s->notify_connection, s->cls);
  if (s->tls_certificate_pem != NULL && s->tls_key_pem != NULL) {
    flags |= MHD_USE_TLS;
    BULWARK_OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_certificate_pem);
    BULWARK_OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem);
  }
  BULWARK_OPT(MHD_OPTION_END, 0, NULL);
#undef BULWARK_OPT
  return MHD_start_daemon(flags, 0, NULL, NULL, s->access_handler, s->cls,
                          MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static inline int
bulwark_mhd_supports_tls(void)
{
  return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

static inline uint16_t
bulwark_mhd_bind_port(struct MHD_Daemon *daemon)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info == NULL ? 0 : info->port;
}

static inline const struct sockaddr *
bulwark_mhd_client_address(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return info == NULL ? NULL : info->client_addr;
}

static inline int
bulwark_mhd_connection_fd(struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info == NULL ? -1 : (int)info->connect_fd;
}

#endif
