// Request recycling. Released requests keep their string capacity, up to a cap so that one huge
// reply does not pin memory forever.
#include "proxy/request.h"

namespace strata::proxy {

namespace {
constexpr size_t kKeepCapacity = 64 * 1024;
constexpr size_t kMaxFree = 4096;
}  // namespace

void Request::resetForReuse() {
  client = nullptr;
  parent = nullptr;
  children.clear();
  pendingChildren = 0;
  aggregate = nullptr;
  cmd.clear();
  reply.clear();
  if (cmd.capacity() > kKeepCapacity) std::string().swap(cmd);
  if (reply.capacity() > kKeepCapacity) std::string().swap(reply);
  state = State::kNew;
  inBackend = false;
  asking = false;
  readonly = false;
  exclusive = false;
  resp3 = false;
  pinned = false;
  inRetry = false;
  routed = false;
  silent = false;
  redirects = 0;
  retries = 0;
  slot = -1;
  shardIndex = -1;
  replicaIndex = -1;
  tag = 0;
  writeSeq = 0;
  childBytes = 0;
  tooLarge = false;
  commandName = "unknown";
  commandId = 0;
  lease = nullptr;
  nextInClient = nullptr;
}

RequestPool::~RequestPool() {
  for (Request* r : free_) delete r;
}

Request* RequestPool::acquire() {
  ++live_;
  if (free_.empty()) return new Request();
  Request* r = free_.back();
  free_.pop_back();
  return r;
}

void RequestPool::release(Request* r) {
  --live_;
  if (free_.size() >= kMaxFree) {
    delete r;
    return;
  }
  r->resetForReuse();
  free_.push_back(r);
}

}  // namespace strata::proxy
