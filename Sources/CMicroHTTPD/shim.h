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

static inline struct MHD_Daemon *
bulwark_mhd_start_daemon(unsigned int flags,
                         MHD_socket listen_socket,
                         unsigned int thread_pool_size,
                         unsigned int connection_limit,
                         unsigned int per_ip_connection_limit,
                         unsigned int connection_timeout_seconds,
                         MHD_LogCallback logger,
                         MHD_AccessHandlerCallback access_handler,
                         MHD_RequestCompletedCallback request_completed,
                         bulwark_mhd_uri_log_callback uri_logger,
                         void *cls)
{
  return MHD_start_daemon(flags, 0, NULL, NULL, access_handler, cls,
                          MHD_OPTION_EXTERNAL_LOGGER, logger, cls,
                          MHD_OPTION_LISTEN_SOCKET, listen_socket,
                          MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                          MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_connection_limit,
                          MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
                          MHD_OPTION_NOTIFY_COMPLETED, request_completed, cls,
                          MHD_OPTION_URI_LOG_CALLBACK, uri_logger, cls,
                          MHD_OPTION_END);
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

#endif
