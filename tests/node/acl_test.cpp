// Acl (node/server/acl.h): SETUSER rule parsing and its error texts, the descriptions of ACL
// LIST / GETUSER, passwords, and the permission check of commands, keys (with %R~ / %W~ against
// the key specs' access flags) and channels, and selectors `(...)` (merging, description, a
// command allowed by any selector, 7.0's choice of the refusal reported), on the node's real
// command table.
#include "node/server/acl.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace strata::node {

namespace {

const CommandTable& table() {
  static const CommandTable t;
  return t;
}

std::optional<std::string> set(Acl& acl, std::string_view name,
                               std::vector<std::string_view> rules) {
  return acl.setUser(name, rules);
}

Acl::Verdict check(const Acl& acl, std::string_view user, std::vector<std::string_view> argv,
                   size_t* refused = nullptr) {
  const CommandDef* def = table().find(argv[0]);
  REQUIRE(def != nullptr);
  if (!def->subcommands.empty()) def = CommandTable::findSub(*def, argv[1]);
  REQUIRE(def != nullptr);
  size_t pos = 0;
  const Acl::Verdict v = acl.check(*acl.find(user), *def, argv, pos);
  if (refused != nullptr) *refused = pos;
  return v;
}

}  // namespace

TEST_CASE("Acl: the default user and new users as Redis 7.0 describes them") {
  Acl acl(table());
  CHECK(acl.describe(*acl.defaultUser()) == "user default on nopass ~* &* +@all");
  CHECK(acl.defaultUser()->unrestricted);
  CHECK(!set(acl, "u", {}));
  CHECK(acl.describe(*acl.find("u")) == "user u off resetchannels -@all");
  CHECK(!acl.find("u")->unrestricted);
  CHECK(!set(acl, "u", {"on", ">p1", "~k*", "%R~r*", "&ch*", "+get", "+@hash", "-hget"}));
  CHECK(acl.describe(*acl.find("u")) ==
        "user u on #" + Acl::hashPassword("p1") +
            " ~k* %R~r* resetchannels &ch* -@all +@hash +get -hget");
  CHECK(!set(acl, "v", {"+@all", "-@dangerous"}));
  CHECK(acl.describeCommands(*acl.find("v")) == "+@all -@dangerous");
  CHECK(!set(acl, "r", {"-@all", "+@read", "+@write"}));
  CHECK(acl.describeCommands(*acl.find("r")) == "-@all +@write +@read");  // best fit first
  CHECK(!set(acl, "s", {"+@all", "-@admin", "+@dangerous"}));
  CHECK(acl.describeCommands(*acl.find("s")) == "+@all");
  CHECK(!set(acl, "w", {"reset", "~x*", "~x*", "%W~x*", "%R~y*", "+config|get", "+select|0"}));
  CHECK(acl.describe(*acl.find("w")) ==
        "user w off sanitize-payload ~x* %R~y* resetchannels -@all +select|0 +config|get");
  CHECK(Acl::hashPassword("p1") ==
        "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a");
}

TEST_CASE("Acl: SETUSER errors leave the user unchanged") {
  Acl acl(table());
  const auto err = [&](std::vector<std::string_view> rules) {
    auto e = set(acl, "e", rules);
    return e ? *e : std::string("OK");
  };
  CHECK(err({"foo"}) == "ERR Error in ACL SETUSER modifier 'foo': Syntax error");
  CHECK(err({"+nosuch"}) ==
        "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  CHECK(err({"+@nosuch"}).ends_with("Unknown command or category name in ACL"));
  CHECK(err({"-get|x"}).ends_with("Unknown command or category name in ACL"));
  CHECK(err({"+config|get|x"}).ends_with("Allowing first-arg of a subcommand is not supported"));
  CHECK(err({"%X~a"}).ends_with("Syntax error"));
  CHECK(err({"%~a"}).ends_with("Syntax error"));
  CHECK(err({"%RR~a"}).ends_with("Syntax error"));
  CHECK(
      err({"#abc"}).ends_with("The password hash must be exactly 64 characters and contain "
                              "only lowercase hexadecimal characters"));
  CHECK(err({"<nope"}).ends_with(
      "The password you are trying to remove from the user does not exist"));
  CHECK(err({"allkeys", "~a"}).find("'~a': Adding a pattern after the * pattern") !=
        std::string::npos);
  CHECK(err({"&*", "&a"}).find("(or the 'allchannels' flag)") != std::string::npos);
  CHECK(acl.find("e") == nullptr);  // never created: every SETUSER above failed
  CHECK(!set(acl, "e", {"on", "+get"}));
  CHECK(set(acl, "e", {"off", "bad"}));
  CHECK(acl.find("e")->enabled);
}

TEST_CASE("Acl: passwords, nopass, disabled users") {
  Acl acl(table());
  CHECK(!set(acl, "u", {"on", ">a", ">b"}));
  CHECK(acl.authenticate("u", "a"));
  CHECK(acl.authenticate("u", "b"));
  CHECK(!acl.authenticate("u", "c"));
  CHECK(!set(acl, "u", {"<a"}));
  CHECK(!acl.authenticate("u", "a"));
  CHECK(!set(acl, "u", {"off"}));
  CHECK(!acl.authenticate("u", "b"));
  CHECK(!set(acl, "u", {"on", "nopass"}));
  CHECK(acl.authenticate("u", "anything"));
  CHECK(!acl.authenticate("nobody", ""));
  acl.setDefaultPassword("secret");
  CHECK(!acl.defaultUser()->nopass);
  CHECK(acl.authenticate("default", "secret"));
  CHECK(!acl.authenticate("default", ""));
  acl.setDefaultPassword("");
  CHECK(acl.authenticate("default", "x"));
}

TEST_CASE("Acl: commands, subcommands, first arguments and categories") {
  Acl acl(table());
  CHECK(!set(acl, "u",
             {"on", "nopass", "allkeys", "+get", "+config|get", "+select|0", "+@hash", "-hget"}));
  CHECK(check(acl, "u", {"get", "k"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"set", "k", "v"}) == Acl::Verdict::kCommand);
  CHECK(check(acl, "u", {"config", "get", "x"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"config", "set", "x", "y"}) == Acl::Verdict::kCommand);
  CHECK(check(acl, "u", {"select", "0"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"select", "1"}) == Acl::Verdict::kCommand);
  CHECK(check(acl, "u", {"hset", "h", "f", "v"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"hget", "h", "f"}) == Acl::Verdict::kCommand);
  CHECK(check(acl, "u", {"auth", "x"}) == Acl::Verdict::kOk);  // no_auth: always allowed
  CHECK(!set(acl, "u", {"+config"}));                          // a container: every subcommand
  CHECK(check(acl, "u", {"config", "set", "x", "y"}) == Acl::Verdict::kOk);
  CHECK(!set(acl, "u", {"-config|set"}));
  CHECK(check(acl, "u", {"config", "set", "x", "y"}) == Acl::Verdict::kCommand);
  CHECK(!set(acl, "u", {"+@all"}));
  CHECK(!acl.find("u")->unrestricted);  // resetchannels: channels are still checked
  CHECK(!set(acl, "u", {"allchannels"}));
  CHECK(acl.find("u")->unrestricted);
}

TEST_CASE("Acl: keys with their read/write needs, channels and patterns") {
  Acl acl(table());
  CHECK(!set(acl, "u", {"on", "nopass", "+@all", "~k*", "%R~r*", "%W~w*", "&ch*"}));
  CHECK(check(acl, "u", {"get", "k1"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"get", "x"}) == Acl::Verdict::kKey);
  CHECK(check(acl, "u", {"get", "r1"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"set", "r1", "v"}) == Acl::Verdict::kKey);
  CHECK(check(acl, "u", {"set", "w1", "v"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"get", "w1"}) == Acl::Verdict::kKey);
  CHECK(check(acl, "u", {"copy", "k1", "r1"}) == Acl::Verdict::kKey);
  CHECK(check(acl, "u", {"copy", "r1", "w1"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"mget", "k1", "r2", "zz"}) == Acl::Verdict::kKey);
  CHECK(check(acl, "u", {"publish", "ch1", "m"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"publish", "zz", "m"}) == Acl::Verdict::kChannel);
  CHECK(check(acl, "u", {"subscribe", "ch1", "zz"}) == Acl::Verdict::kChannel);
  CHECK(check(acl, "u", {"psubscribe", "ch1*"}) == Acl::Verdict::kChannel);  // not literal
  CHECK(check(acl, "u", {"psubscribe", "ch*"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "u", {"unsubscribe", "zz"}) == Acl::Verdict::kOk);
  CHECK(!set(acl, "u", {"allkeys", "allchannels"}));
  CHECK(acl.find("u")->unrestricted);
  CHECK(check(acl, "u", {"set", "anything", "v"}) == Acl::Verdict::kOk);
}

TEST_CASE("Acl: selectors are merged, described and cleared as 7.0") {
  Acl acl(table());
  CHECK(!set(
      acl, "u",
      {"on", "nopass", "~a*", "-@all", "+get", "(~b*", "+set)", "(%R~c*", "&ch", "+publish", ")"}));
  const auto& u = *acl.find("u");
  REQUIRE(u.selectors.size() == 2);
  CHECK(acl.describe(u) ==
        "user u on nopass ~a* resetchannels -@all +get (~b* resetchannels -@all +set) "
        "(%R~c* resetchannels &ch -@all +publish)");
  CHECK(acl.describeCommands(u.selectors[1]) == "-@all +publish");
  CHECK(Acl::describeKeys(u.selectors[1]) == "%R~c*");
  CHECK(Acl::describeChannels(u.selectors[1]) == "&ch");
  CHECK(set(acl, "u", {"(~x"}) == "ERR Unmatched parenthesis in acl selector starting at '(~x'.");
  CHECK(set(acl, "u", {"(on)"}) == "ERR Error in ACL SETUSER modifier '(on)': Syntax error");
  CHECK(set(acl, "u", {"(~a", "", "x)"}) ==
        "ERR Error in ACL SETUSER modifier '(~a  x)': Syntax error");
  CHECK(set(acl, "u", {"(+nosuch)"}) ==
        "ERR Error in ACL SETUSER modifier '(+nosuch)': Unknown command or category name in ACL");
  CHECK(set(acl, "u", {")"}) == "ERR Error in ACL SETUSER modifier ')': Syntax error");
  CHECK(acl.find("u")->selectors.size() == 2);  // errors changed nothing
  // A second '(' starts over (7.0 drops the first); "()" and unbalanced quotes: empty selectors.
  CHECK(!set(acl, "v", {"(~x", "(~y", "+get)", "()", "(\"a b)"}));
  CHECK(acl.describe(*acl.find("v")) ==
        "user v off resetchannels -@all (~y resetchannels -@all +get) (resetchannels -@all) "
        "(resetchannels -@all)");
  CHECK(!set(acl, "v", {"clearselectors"}));
  CHECK(acl.find("v")->selectors.empty());
  CHECK(!set(acl, "u", {"reset"}));
  CHECK(acl.describe(*acl.find("u")) == "user u off sanitize-payload resetchannels -@all");
  // A selector with every permission makes the user unrestricted.
  CHECK(!set(acl, "w", {"(allkeys", "allchannels", "allcommands)"}));
  CHECK(acl.find("w")->unrestricted);
  CHECK(!set(acl, "w", {"clearselectors"}));
  CHECK(!acl.find("w")->unrestricted);
}

TEST_CASE("Acl: a command is allowed by the root or by one selector entirely") {
  Acl acl(table());
  CHECK(!set(acl, "s",
             {"on", "nopass", "-@all", "+get", "+mget", "~a*", "(~b*", "+set", "+get)", "(&ch*",
              "+publish", "+subscribe)", "(%R~r*", "+@read)"}));
  size_t pos = 0;
  CHECK(check(acl, "s", {"get", "a1"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "s", {"get", "b1"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "s", {"set", "b1", "v"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "s", {"mget", "r1", "r2"}) == Acl::Verdict::kOk);
  CHECK(check(acl, "s", {"publish", "ch1", "m"}) == Acl::Verdict::kOk);
  // No selector allows all of it: the refusal of the highest kind, at the largest position.
  CHECK(check(acl, "s", {"set", "a1", "v"}, &pos) == Acl::Verdict::kKey);
  CHECK(pos == 1);
  CHECK(check(acl, "s", {"mget", "a1", "b1"}, &pos) == Acl::Verdict::kKey);
  CHECK(pos == 2);  // the root refuses b1; the read selector a1
  CHECK(check(acl, "s", {"del", "b1"}, &pos) == Acl::Verdict::kCommand);
  CHECK(pos == 0);
  CHECK(check(acl, "s", {"subscribe", "ch1", "zz"}, &pos) == Acl::Verdict::kChannel);
  CHECK(pos == 2);
  CHECK(check(acl, "s", {"publish", "zz", "m"}) == Acl::Verdict::kChannel);
  CHECK(Acl::channelAllowed(*acl.find("s"), "ch9", false));
  CHECK(!Acl::channelAllowed(*acl.find("s"), "zz", false));
  CHECK(!acl.find("s")->unrestricted);
}

}  // namespace strata::node
