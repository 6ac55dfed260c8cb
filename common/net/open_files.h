// The open-files limit behind maxclients, as Redis's adjustOpenFilesLimit (server.c): a process
// that serves `maxclients` connections needs that many descriptors plus a reserve of its own
// (listeners, log file, event loops, backend links). Both processes call it at start-up and when
// maxclients changes: the node (node/main.cpp, CONFIG SET in node/commands/server_cmds.cpp) with
// Redis's reserve of 32, the proxy (proxy/server.cpp, at start and on SIGHUP) with a reserve that
// covers its workers' backend links (proxy/open_files_reserve.h). Main thread; changes the
// process's RLIMIT_NOFILE.
#pragma once

#include <cstdint>

namespace strata::net {

// adjustOpenFilesLimit(): if RLIMIT_NOFILE is below maxclients x fdsPerClient + reserve, raises
// it to that or as close as the OS allows (steps of 16, as Redis: soft and hard limit together),
// and logs Redis's warnings when it falls short. Returns the maxclients the limit allows:
// `maxclients` when it fits, else (the limit - reserve) / fdsPerClient (<= 0: too few
// descriptors to run at all, after Redis's "not enough for the server to start ... Exiting."
// warning; the caller exits). fdsPerClient: 1 for the node (as Redis), 2 for the proxy (a
// client's socket and its dedicated backend link, proxy/open_files_reserve.h).
int64_t adjustOpenFilesLimit(int64_t maxclients, int64_t reserve, int64_t fdsPerClient = 1);

}  // namespace strata::net
