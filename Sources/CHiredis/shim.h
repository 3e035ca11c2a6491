#ifndef BULWARK_CHIREDIS_SHIM_H
#define BULWARK_CHIREDIS_SHIM_H
/* Debian's hiredis 0.14: the synchronous API only (redisConnectWithTimeout, redisSetTimeout,
   redisCommandArgv, freeReplyObject). It has no TLS (hiredis_ssl arrived in 1.0). */
#include <hiredis/hiredis.h>
#include <sys/time.h>

/// A timeval of `milliseconds`, for redisConnectWithTimeout and redisSetTimeout.
static inline struct timeval bulwark_redis_timeval(long milliseconds) {
    struct timeval tv;
    tv.tv_sec = milliseconds / 1000;
    tv.tv_usec = (milliseconds % 1000) * 1000;
    return tv;
}

/// Whether this hiredis can speak TLS (`rediss://`).
static inline int bulwark_redis_has_ssl(void) {
#ifdef HIREDIS_SSL
    return 1;
#else
    return 0;
#endif
}
#endif
