// Request and RequestPool: a released request comes back from acquire() reset to the state of a
// new one (every field, string capacity kept up to the cap), the pool's live count, LIFO reuse,
// and orphaned() / done().
#include "proxy/request.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace strata::proxy;

namespace {

// Every field as a fresh Request has it.
void checkPristine(const Request& r) {
  CHECK(r.client == nullptr);
  CHECK(r.parent == nullptr);
  CHECK(r.children.empty());
  CHECK(r.pendingChildren == 0);
  CHECK((r.aggregate == nullptr));  // parenthesized: doctest cannot print function pointers
  CHECK(r.cmd.empty());
  CHECK(r.reply.empty());
  CHECK(r.state == Request::State::kNew);
  CHECK_FALSE(r.inBackend);
  CHECK_FALSE(r.asking);
  CHECK_FALSE(r.readonly);
  CHECK_FALSE(r.exclusive);
  CHECK_FALSE(r.resp3);
  CHECK_FALSE(r.pinned);
  CHECK_FALSE(r.inRetry);
  CHECK(r.redirects == 0);
  CHECK(r.retries == 0);
  CHECK(r.slot == -1);
  CHECK(r.shardIndex == -1);
  CHECK(r.tag == 0);
  CHECK(std::string(r.commandName) == "unknown");
  CHECK(r.commandId == 0);
  CHECK(r.lease == nullptr);
  CHECK(r.nextInClient == nullptr);
}

void dirty(Request& r, Request* other) {
  r.client = reinterpret_cast<ClientConn*>(other);  // never dereferenced
  r.parent = other;
  r.children = {other, other};
  r.pendingChildren = 2;
  r.aggregate = [](Request&) {};
  r.cmd = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  r.reply = "$1\r\nv\r\n";
  r.state = Request::State::kDone;
  r.inBackend = r.asking = r.readonly = r.exclusive = r.resp3 = r.pinned = r.inRetry = true;
  r.redirects = 3;
  r.retries = 4;
  r.slot = 866;
  r.shardIndex = 2;
  r.tag = 77;
  r.commandName = "get";
  r.commandId = 12;
  r.lease = reinterpret_cast<BackendConn*>(other);
  r.nextInClient = other;
}

}  // namespace

TEST_SUITE("proxy.request") {
  TEST_CASE("a new request is pristine, not done, and orphaned") {
    Request r;
    checkPristine(r);
    CHECK_FALSE(r.done());
    CHECK(r.orphaned());  // no client and no parent
    r.state = Request::State::kDone;
    CHECK(r.done());
  }

  TEST_CASE("orphaned needs neither a client nor a parent") {
    Request parent, child;
    child.parent = &parent;
    CHECK_FALSE(child.orphaned());
    child.parent = nullptr;
    child.client = reinterpret_cast<ClientConn*>(&parent);
    CHECK_FALSE(child.orphaned());
  }

  TEST_CASE("resetForReuse restores every field") {
    Request other;
    Request r;
    dirty(r, &other);
    r.resetForReuse();
    checkPristine(r);
  }

  TEST_CASE("the pool reuses a released request, reset") {
    RequestPool pool;
    Request other;
    Request* a = pool.acquire();
    REQUIRE(a != nullptr);
    checkPristine(*a);
    dirty(*a, &other);
    pool.release(a);
    Request* b = pool.acquire();
    CHECK(b == a);  // the same object back
    checkPristine(*b);
    pool.release(b);
  }

  TEST_CASE("the pool counts live requests") {
    RequestPool pool;
    CHECK(pool.live() == 0);
    Request* a = pool.acquire();
    Request* b = pool.acquire();
    Request* c = pool.acquire();
    CHECK(pool.live() == 3);
    CHECK(a != b);
    CHECK(b != c);
    pool.release(b);
    CHECK(pool.live() == 2);
    Request* d = pool.acquire();
    CHECK(d == b);
    CHECK(pool.live() == 3);
    pool.release(a);
    pool.release(c);
    pool.release(d);
    CHECK(pool.live() == 0);
  }

  TEST_CASE("the pool hands back the most recently released request first") {
    RequestPool pool;
    Request* a = pool.acquire();
    Request* b = pool.acquire();
    pool.release(a);
    pool.release(b);
    CHECK(pool.acquire() == b);
    CHECK(pool.acquire() == a);
    CHECK(pool.live() == 2);
    pool.release(a);
    pool.release(b);
  }

  TEST_CASE("string capacity is kept for reuse, but not a huge one") {
    RequestPool pool;
    Request* r = pool.acquire();
    r->cmd.assign(1000, 'c');
    r->reply.assign(1 << 20, 'r');  // a 1 MiB reply must not stay pinned in the pool
    pool.release(r);
    Request* again = pool.acquire();
    REQUIRE(again == r);
    CHECK(again->cmd.empty());
    CHECK(again->cmd.capacity() >= 1000);
    CHECK(again->reply.empty());
    CHECK(again->reply.capacity() < (1u << 20));
    pool.release(again);
  }

  TEST_CASE("many requests round-trip through the pool") {
    RequestPool pool;
    std::vector<Request*> held;
    for (int i = 0; i < 1000; ++i) {
      held.push_back(pool.acquire());
      held.back()->tag = i;
    }
    CHECK(pool.live() == 1000);
    for (Request* r : held) pool.release(r);
    CHECK(pool.live() == 0);
    for (int i = 0; i < 1000; ++i) {
      Request* r = pool.acquire();
      CHECK(r->tag == 0);
      held[i] = r;
    }
    for (Request* r : held) pool.release(r);
    CHECK(pool.live() == 0);
  }
}
