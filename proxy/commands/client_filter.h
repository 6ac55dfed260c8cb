// CLIENT LIST and CLIENT KILL filters, parsed as redis-server 7.0 parses them (TYPE, ID, ADDR,
// LADDR, USER, SKIPME, and CLIENT KILL's old `addr` form), matched against every client of every
// worker (commands/client_admin.cpp). Plain values: a filter is copied to each worker's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::proxy {

struct ClientFilter {
  // Redis's client types; the proxy's clients are normal or pubsub, never master or replica.
  enum class Type { kNormal, kPubSub, kMaster, kReplica };

  std::vector<uint64_t> ids;  // any of them (empty: any id)
  std::optional<Type> type;
  std::optional<std::string> user;
  std::optional<std::string> addr;
  std::optional<std::string> laddr;
  uint64_t skip = 0;  // SKIPME yes: the caller's id (0: nobody is skipped)
};

// "normal", "pubsub", "master", "slave" / "replica" (any case), as getClientTypeByName.
std::optional<ClientFilter::Type> clientTypeByName(std::string_view name);

}  // namespace strata::proxy
