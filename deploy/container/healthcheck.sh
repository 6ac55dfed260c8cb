#!/bin/sh
# Container health check: the server on STRATA_HEALTH_PORT answers PING (REDISCLI_AUTH, when
# set, authenticates). Used by the Containerfile's HEALTHCHECK for node and proxy containers.
port=${STRATA_HEALTH_PORT:-6379}
[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]
