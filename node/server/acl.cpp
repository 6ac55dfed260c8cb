// Acl (acl.h): users, SETUSER rules, LIST/GETUSER descriptions and the permission check, with
// redis-server 7.0's acl.c semantics and error texts.
#include "node/server/acl.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>

#include "common/config/glob.h"
#include "common/config/value_parsers.h"
#include "node/server/command_keys.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

constexpr std::string_view kErrSyntax = "Syntax error";
constexpr std::string_view kErrAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoPassword =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kErrSubFirstArg = "Allowing first-arg of a subcommand is not supported";

bool validHash(std::string_view h) {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Constant-time comparison of two equal-length hashes (Redis's time_independent_strcmp).
bool sameHash(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string keyPatternText(const AclKeyPattern& p) {
  if (p.flags == AclKeyPattern::kAll) return "~" + p.pattern;
  return std::string(p.flags == AclKeyPattern::kRead ? "%R~" : "%W~") + p.pattern;
}

}  // namespace

bool aclHasSpaces(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
  });
}

uint32_t aclCategoryBit(std::string_view name) {
  for (size_t i = 0; i < std::size(kAclCategories); ++i) {
    if (equalsNoCase(kAclCategories[i], name)) return 1u << i;
  }
  return 0;
}

std::string Acl::hashPassword(std::string_view password) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Acl::Acl(const CommandTable& commands) : commands_(commands) {
  default_ = newUser("default");
  // Redis's default user: on nopass ~* &* +@all.
  for (auto rule : {"on", "nopass", "~*", "&*", "+@all"}) applyRule(*default_, rule);
  users_.emplace("default", default_);
}

std::shared_ptr<AclUser> Acl::newUser(std::string_view name) const {
  auto user = std::make_shared<AclUser>();
  user->name = std::string(name);
  user->allowed.assign(commands_.byAclId().size(), false);
  // acl-pubsub-default is resetchannels in 7.0: nothing to add.
  return user;
}

std::shared_ptr<AclUser> Acl::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::optional<std::string> Acl::setUser(std::string_view name,
                                        const std::vector<std::string_view>& args) {
  std::vector<std::string> rules;
  size_t unmatched = 0;
  if (!mergeSelectorArguments(args, rules, unmatched)) {
    return "ERR Unmatched parenthesis in acl selector starting at '" +
           std::string(args[unmatched]) + "'.";
  }
  std::shared_ptr<AclUser> existing = find(name);
  AclUser copy = existing ? *existing : *newUser(name);
  for (const std::string& rule : rules) {
    std::string reason = applyRule(copy, rule);
    if (!reason.empty()) {
      return "ERR Error in ACL SETUSER modifier '" + std::string(rule) + "': " + reason;
    }
  }
  if (existing) {
    *existing = std::move(copy);  // connected clients share the object: the change applies
  } else {
    users_.emplace(std::string(name), std::make_shared<AclUser>(std::move(copy)));
  }
  return std::nullopt;
}

bool Acl::deleteUser(std::string_view name) {
  if (name == "default") return false;
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

void Acl::setDefaultPassword(std::string_view password) {
  applyRule(*default_, "resetpass");
  if (password.empty()) {
    applyRule(*default_, "nopass");
  } else {
    applyRule(*default_, ">" + std::string(password));
  }
}

std::shared_ptr<AclUser> Acl::authenticate(std::string_view name, std::string_view password) const {
  auto user = find(name);
  if (!user || !user->enabled) return nullptr;
  if (user->nopass) return user;
  const std::string hash = hashPassword(password);
  for (const auto& p : user->passwords) {
    if (sameHash(p, hash)) return user;
  }
  return nullptr;
}

std::string Acl::applyRule(AclUser& u, std::string_view rule) const {
  if (rule.empty()) {
    return std::string();  // ACLSetUser: an empty string is a no-operation
  } else if (equalsNoCase(rule, "on")) {
    u.enabled = true;
  } else if (equalsNoCase(rule, "off")) {
    u.enabled = false;
  } else if (equalsNoCase(rule, "skip-sanitize-payload")) {
    u.skipSanitizePayload = true;
    u.sanitizePayload = false;
  } else if (equalsNoCase(rule, "sanitize-payload")) {
    u.sanitizePayload = true;
    u.skipSanitizePayload = false;
  } else if (equalsNoCase(rule, "nopass")) {
    u.nopass = true;
    u.passwords.clear();
  } else if (equalsNoCase(rule, "resetpass")) {
    u.nopass = false;
    u.passwords.clear();
  } else if (rule[0] == '>' || rule[0] == '#' || rule[0] == '<' || rule[0] == '!') {
    // >pass / <pass name a password (kept as its SHA-256), #hash / !hash the hash itself.
    const std::string_view text = rule.substr(1);
    const bool clear = rule[0] == '>' || rule[0] == '<';
    if (!clear && !validHash(text)) return std::string(kErrBadHash);
    std::string hash = clear ? hashPassword(text) : std::string(text);
    auto it = std::find(u.passwords.begin(), u.passwords.end(), hash);
    if (rule[0] == '>' || rule[0] == '#') {
      if (it == u.passwords.end()) u.passwords.push_back(std::move(hash));
    } else {
      if (it == u.passwords.end()) return std::string(kErrNoPassword);
      u.passwords.erase(it);
    }
    u.nopass = false;
  } else if (rule[0] == '(' && rule.back() == ')') {
    // aclCreateSelectorFromOpSet: the words between the parentheses, split as sdssplitargs
    // (unbalanced quotes give no words: an empty selector), each a selector rule.
    AclSelector selector;
    selector.allowed.assign(u.allowed.size(), false);
    std::vector<std::string> words;
    if (rule.size() >= 2 && !config::splitArgs(rule.substr(1, rule.size() - 2), words).isOk()) {
      words.clear();
    }
    for (const std::string& word : words) {
      std::string reason = applySelectorRule(selector, word);
      if (!reason.empty()) return reason;
    }
    u.selectors.push_back(std::move(selector));
  } else if (equalsNoCase(rule, "clearselectors")) {
    u.selectors.clear();
  } else if (equalsNoCase(rule, "reset")) {
    for (auto r : {"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload",
                   "clearselectors", "-@all"}) {
      applyRule(u, r);
    }
  } else {
    std::string reason = applySelectorRule(u, rule);
    if (!reason.empty()) return reason;
  }
  const auto all = [](const AclSelector& s) { return s.allCommands && s.allKeys && s.allChannels; };
  u.unrestricted = all(u) || std::any_of(u.selectors.begin(), u.selectors.end(), all);
  return std::string();
}

std::string Acl::applySelectorRule(AclSelector& u, std::string_view rule) const {
  if (rule.empty()) {
    return std::string(kErrSyntax);
  } else if (equalsNoCase(rule, "allkeys") || rule == "~*") {
    u.allKeys = true;
    u.keys.clear();
  } else if (equalsNoCase(rule, "resetkeys")) {
    u.allKeys = false;
    u.keys.clear();
  } else if (rule[0] == '~' || rule[0] == '%') {
    if (u.allKeys) return std::string(kErrAllKeys);
    uint8_t flags = 0;
    size_t offset = 1;
    if (rule[0] == '%') {
      bool tilde = false;
      for (; offset < rule.size(); ++offset) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(rule[offset])));
        if (c == 'R' && !(flags & AclKeyPattern::kRead)) {
          flags |= AclKeyPattern::kRead;
        } else if (c == 'W' && !(flags & AclKeyPattern::kWrite)) {
          flags |= AclKeyPattern::kWrite;
        } else if (rule[offset] == '~') {
          ++offset;
          tilde = true;
          break;
        } else {
          return std::string(kErrSyntax);
        }
      }
      if (!tilde || flags == 0) return std::string(kErrSyntax);
    } else {
      flags = AclKeyPattern::kAll;
    }
    const std::string_view pattern = rule.substr(offset);
    if (aclHasSpaces(pattern)) return std::string(kErrSyntax);
    if (flags == AclKeyPattern::kAll && pattern == "*") {
      u.allKeys = true;
      u.keys.clear();
    } else {
      auto it = std::find_if(u.keys.begin(), u.keys.end(),
                             [&](const AclKeyPattern& p) { return p.pattern == pattern; });
      if (it == u.keys.end()) {
        u.keys.push_back(AclKeyPattern{std::string(pattern), flags});
      } else {
        it->flags |= flags;
      }
    }
  } else if (equalsNoCase(rule, "allchannels") || rule == "&*") {
    u.allChannels = true;
    u.channels.clear();
  } else if (equalsNoCase(rule, "resetchannels")) {
    u.allChannels = false;
    u.channels.clear();
  } else if (rule[0] == '&') {
    if (u.allChannels) return std::string(kErrAllChannels);
    const std::string_view pattern = rule.substr(1);
    if (aclHasSpaces(pattern)) return std::string(kErrSyntax);
    if (pattern == "*") {
      u.allChannels = true;
      u.channels.clear();
    } else if (std::find(u.channels.begin(), u.channels.end(), pattern) == u.channels.end()) {
      u.channels.emplace_back(pattern);
    }
  } else if (equalsNoCase(rule, "allcommands") || equalsNoCase(rule, "+@all")) {
    u.allowed.assign(u.allowed.size(), true);
    u.allCommands = u.futureCommands = true;
    u.firstArgs.clear();
  } else if (equalsNoCase(rule, "nocommands") || equalsNoCase(rule, "-@all")) {
    u.allowed.assign(u.allowed.size(), false);
    u.allCommands = u.futureCommands = false;
    u.firstArgs.clear();
  } else if (rule[0] == '+' || rule[0] == '-') {
    return applyCommandRule(u, rule);
  } else {
    return std::string(kErrSyntax);
  }
  return std::string();
}

bool Acl::mergeSelectorArguments(const std::vector<std::string_view>& args,
                                 std::vector<std::string>& merged, size_t& unmatched) {
  merged.clear();
  std::string selector;
  bool open = false;
  for (size_t j = 0; j < args.size(); ++j) {
    const std::string_view op = args[j];
    const bool closes = !op.empty() && op.back() == ')';
    if (!op.empty() && op[0] == '(' && !closes) {
      selector.assign(op);  // as 7.0: a second '(' starts over
      open = true;
      unmatched = j;
      continue;
    }
    if (open) {
      selector += ' ';
      selector += op;
      if (closes) {
        open = false;
        merged.push_back(std::move(selector));
        selector.clear();
      }
      continue;
    }
    merged.emplace_back(op);
  }
  return !open;
}

void Acl::setCommand(AclSelector& u, const CommandDef& def, bool allow) const {
  u.allowed[def.aclId] = allow;
  if (!allow) u.allCommands = false;
  u.firstArgs.erase(def.aclId);
  for (const auto& sub : def.subcommands) setCommand(u, sub, allow);
}

void Acl::setCategory(AclSelector& u, uint32_t bit, bool allow) const {
  for (const CommandDef* def : commands_.byAclId()) {
    if (def->aclCategoryBits & bit) {
      u.allowed[def->aclId] = allow;
      u.firstArgs.erase(def->aclId);
    }
  }
  if (!allow) u.allCommands = false;
}

std::string Acl::applyCommandRule(AclSelector& u, std::string_view rule) const {
  const bool allow = rule[0] == '+';
  const std::string_view what = rule.substr(1);
  if (!what.empty() && what[0] == '@') {
    const uint32_t bit = aclCategoryBit(what.substr(1));
    if (bit == 0) return std::string(kErrUnknownCommand);
    setCategory(u, bit, allow);
    return {};
  }
  // ACLLookupCommand: "cmd" or "container|sub" (more parts, or a sub of a command without
  // subcommands, name nothing); `isSub` tells a subcommand.
  const auto lookup = [this](std::string_view name, bool& isSub) -> const CommandDef* {
    const size_t bar = name.find('|');
    isSub = bar != std::string_view::npos;
    if (!isSub) return commands_.find(name);
    const std::string_view sub = name.substr(bar + 1);
    if (sub.find('|') != std::string_view::npos) return nullptr;
    const CommandDef* parent = commands_.find(name.substr(0, bar));
    if (parent == nullptr || parent->subcommands.empty()) return nullptr;
    return CommandTable::findSub(*parent, sub);
  };
  bool isSub = false;
  const size_t bar = what.rfind('|');
  if (!allow || bar == std::string_view::npos) {
    const CommandDef* def = lookup(what, isSub);
    if (def == nullptr) return std::string(kErrUnknownCommand);
    setCommand(u, *def, allow);
    return {};
  }
  // +cmd|x as 7.0: `cmd` (up to the last '|') must exist and not be a subcommand, x must not be
  // empty; then a subcommand of a container, or an allowed first argument (+select|0).
  const CommandDef* parent = lookup(what.substr(0, bar), isSub);
  if (parent == nullptr) return std::string(kErrUnknownCommand);
  if (isSub) return std::string(kErrSubFirstArg);
  const std::string_view rest = what.substr(bar + 1);
  if (rest.empty()) return std::string(kErrSyntax);
  if (!parent->subcommands.empty()) {
    const CommandDef* sub = CommandTable::findSub(*parent, rest);
    if (sub == nullptr) return std::string(kErrUnknownCommand);
    setCommand(u, *sub, allow);
    return {};
  }
  if (u.allowed[parent->aclId]) return {};
  auto& args = u.firstArgs[parent->aclId];
  std::string lower = config::toLower(rest);
  if (std::find(args.begin(), args.end(), lower) == args.end()) args.push_back(std::move(lower));
  return {};
}

Acl::Verdict Acl::check(const AclUser& u, const CommandDef& def,
                        const std::vector<std::string_view>& argv, size_t& errorPos) const {
  // ACLCheckAllUserCommandPerm: the root, then each selector; the keys are found once.
  std::optional<KeyRefs> keys;
  Verdict verdict = checkSelector(u, def, argv, keys, errorPos);
  if (verdict == Verdict::kOk || u.selectors.empty()) return verdict;
  for (const AclSelector& selector : u.selectors) {
    size_t pos = 0;
    const Verdict v = checkSelector(selector, def, argv, keys, pos);
    if (v == Verdict::kOk) {
      errorPos = 0;
      return v;
    }
    if (v > verdict || (v == verdict && pos > errorPos)) {
      verdict = v;
      errorPos = pos;
    }
  }
  return verdict;
}

Acl::Verdict Acl::checkSelector(const AclSelector& u, const CommandDef& def,
                                const std::vector<std::string_view>& argv,
                                std::optional<KeyRefs>& keys, size_t& errorPos) const {
  errorPos = 0;
  if (!u.allCommands && !def.hasFlag("no_auth") && !u.allowed[def.aclId]) {
    auto it = u.firstArgs.find(def.aclId);
    if (argv.size() < 2 || it == u.firstArgs.end()) return Verdict::kCommand;
    const auto& args = it->second;
    if (std::none_of(args.begin(), args.end(),
                     [&](const std::string& a) { return equalsNoCase(a, argv[1]); })) {
      return Verdict::kCommand;
    }
  }
  if (!u.allKeys && commandHasKeys(def)) {
    if (!keys) keys.emplace(keysWithSpecs(def, argv));
    for (const KeyRef& key : *keys) {
      const uint8_t needs = key.access;
      const std::string_view name = argv[key.pos];
      const bool ok = std::any_of(u.keys.begin(), u.keys.end(), [&](const AclKeyPattern& p) {
        return (p.flags & needs) == needs && config::globMatch(p.pattern, name);
      });
      if (!ok) {
        errorPos = key.pos;
        return Verdict::kKey;
      }
    }
  }
  if (!u.allChannels && def.hasFlag("pubsub")) {
    // getChannelsFromCommand: PUBLISH/SPUBLISH's channel, (S)SUBSCRIBE's and PSUBSCRIBE's
    // arguments (a pattern must equal one of the user's patterns).
    const std::string_view n = def.name;
    size_t first = 1, last = 0;
    const bool pattern = n == "psubscribe";
    if (n == "publish" || n == "spublish") {
      last = 1;
    } else if (n == "subscribe" || n == "ssubscribe" || pattern) {
      last = argv.size() - 1;
    }
    for (size_t i = first; i <= last && i < argv.size(); ++i) {
      if (!channelAllowed(u, argv[i], pattern)) {
        errorPos = i;
        return Verdict::kChannel;
      }
    }
  }
  return Verdict::kOk;
}

bool Acl::channelAllowed(const AclSelector& u, std::string_view channel, bool pattern) {
  if (u.allChannels) return true;
  return std::any_of(u.channels.begin(), u.channels.end(), [&](const std::string& p) {
    return pattern ? p == channel : config::globMatch(p, channel);
  });
}

bool Acl::channelAllowed(const AclUser& u, std::string_view channel, bool pattern) {
  if (channelAllowed(static_cast<const AclSelector&>(u), channel, pattern)) return true;
  return std::any_of(u.selectors.begin(), u.selectors.end(),
                     [&](const AclSelector& s) { return channelAllowed(s, channel, pattern); });
}

std::string Acl::describeKeys(const AclSelector& u) {
  if (u.allKeys) return "~*";
  std::string out;
  for (const auto& p : u.keys) {
    if (!out.empty()) out += ' ';
    out += keyPatternText(p);
  }
  return out;
}

std::string Acl::describeChannels(const AclSelector& u) {
  if (u.allChannels) return "&*";
  std::string out;
  for (const auto& c : u.channels) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += c;
  }
  return out;
}

// ACLDescribeSelectorCommandRules (7.0): +@all or -@all, then repeatedly the category that best
// fits what is left (more commands in common than different, the fewest differences, then the
// most in common), then single commands to make the bitmap exact. Redis walks its command dict
// (a per-process random order) for those; ours is the table's order.
std::string Acl::describeCommands(const AclSelector& u) const {
  const bool additive = !u.futureCommands;
  std::string rules = additive ? "-@all " : "+@all ";
  const auto& all = commands_.byAclId();
  std::vector<bool> fake(all.size(), !additive);
  std::vector<bool> temp = u.allowed;
  bool applied[std::size(kAclCategories)] = {};
  for (size_t round = 0; round < std::size(kAclCategories); ++round) {
    int best = -1;
    size_t minDiff = SIZE_MAX, maxSame = 0;
    for (size_t c = 0; c < std::size(kAclCategories); ++c) {
      if (applied[c]) continue;
      size_t on = 0, off = 0;
      for (const CommandDef* def : all) {
        if (def->aclCategoryBits & (1u << c)) (temp[def->aclId] ? on : off)++;
      }
      const size_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff == minDiff && same > maxSame))) {
        best = static_cast<int>(c);
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best < 0) break;
    applied[best] = true;
    rules += additive ? "+@" : "-@";
    rules += kAclCategories[best];
    rules += ' ';
    for (const CommandDef* def : all) {
      if (!(def->aclCategoryBits & (1u << best))) continue;
      fake[def->aclId] = additive;
      temp[def->aclId] = !additive;
    }
  }
  // Single commands, each container before its subcommands (setting a container sets them).
  const auto fix = [&](const CommandDef& def) {
    if (u.allowed[def.aclId] != fake[def.aclId]) {
      rules += u.allowed[def.aclId] ? '+' : '-';
      rules += def.name;
      rules += ' ';
      fake[def.aclId] = u.allowed[def.aclId];
      for (const auto& sub : def.subcommands) fake[sub.aclId] = u.allowed[def.aclId];
    }
  };
  for (const CommandDef& def : commands_.all()) {
    fix(def);
    for (const auto& sub : def.subcommands) fix(sub);
    if (auto it = u.firstArgs.find(def.aclId); it != u.firstArgs.end()) {
      for (const auto& arg : it->second) {
        rules += '+';
        rules += def.name;
        rules += '|';
        rules += arg;
        rules += ' ';
      }
    }
  }
  rules.pop_back();
  return rules;
}

std::string Acl::describeSelector(const AclSelector& s) const {
  std::string out = describeKeys(s);
  if (!out.empty()) out += ' ';
  out += s.allChannels ? "&*" : "resetchannels";
  if (!s.allChannels) {
    for (const auto& c : s.channels) out += " &" + c;
  }
  out += ' ';
  out += describeCommands(s);
  return out;
}

std::string Acl::describe(const AclUser& u) const {
  std::string out = "user " + u.name + (u.enabled ? " on" : " off");
  if (u.nopass) out += " nopass";
  if (u.skipSanitizePayload) out += " skip-sanitize-payload";
  if (u.sanitizePayload) out += " sanitize-payload";
  for (const auto& p : u.passwords) out += " #" + p;
  out += ' ';
  out += describeSelector(u);
  for (const AclSelector& s : u.selectors) out += " (" + describeSelector(s) + ")";
  return out;
}

std::string_view Acl::reasonName(Verdict v) {
  switch (v) {
    case Verdict::kCommand:
      return "command";
    case Verdict::kKey:
      return "key";
    case Verdict::kChannel:
      return "channel";
    case Verdict::kOk:
      break;
  }
  return "";
}

void Acl::log(std::string_view reason, std::string_view context, std::string_view object,
              std::string_view username, std::string clientInfo, int64_t nowMs, size_t maxLen) {
  // ACLLogMatchEntry: the same denial within 60 s updates that entry and moves it first.
  for (auto it = log_.begin(); it != log_.end(); ++it) {
    if (it->reason == reason && it->context == context && it->object == object &&
        it->username == username && nowMs - it->createdMs < 60000) {
      AclLogEntry e = std::move(*it);
      log_.erase(it);
      e.count++;
      e.createdMs = nowMs;
      e.clientInfo = std::move(clientInfo);
      log_.push_front(std::move(e));
      return;
    }
  }
  log_.push_front(AclLogEntry{1, std::string(reason), std::string(context), std::string(object),
                              std::string(username), nowMs, std::move(clientInfo)});
  while (log_.size() > maxLen) log_.pop_back();
}

}  // namespace strata::node
