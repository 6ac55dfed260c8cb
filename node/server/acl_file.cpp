// Acl::loadFile / saveFile (acl.h): the aclfile of ACL LOAD, ACL SAVE and start-up, in Redis
// 7.0's format and with its parsing: one `user <name> <rule> ...` line per user, words separated
// by single spaces, blank lines skipped, no comments; errors reported for every line at once.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "node/server/acl.h"

namespace strata::node {

namespace {

std::string_view trim(std::string_view text, std::string_view chars) {
  const size_t first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(chars) - first + 1);
}

// sdssplitlen(line, " "): every single space separates, so two in a row give an empty word.
std::vector<std::string_view> splitOnSpaces(std::string_view line) {
  std::vector<std::string_view> words;
  for (size_t pos = 0;;) {
    const size_t space = line.find(' ', pos);
    words.push_back(line.substr(pos, space - pos));
    if (space == std::string_view::npos) return words;
    pos = space + 1;
  }
}

}  // namespace

std::optional<std::string> Acl::loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "ERR Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // As ACLLoadFromFile: every line is applied to a fresh registry, every error is collected,
  // and any error leaves the users as they were.
  Acl fresh(commands_);
  fresh.users_.clear();
  std::string errors;
  int lineNo = 0;
  for (size_t pos = 0; pos <= text.size(); ++lineNo) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(std::string_view(text).substr(pos, eol - pos), " \t\r\n");
    pos = eol + 1;
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(lineNo + 1);
    const std::vector<std::string_view> words = splitOnSpaces(line);
    if (words[0] != "user" || words.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    const std::string_view name = words[1];
    if (aclHasSpaces(name)) {
      errors +=
          "'" + where + ": username '" + std::string(name) + "' contains invalid characters. ";
      continue;
    }
    if (fresh.users_.count(name)) {
      errors += "WARNING: Duplicate user '" + std::string(name) + "' found on line " +
                std::to_string(lineNo + 1) + ". ";
      continue;
    }
    // A selector may span several words: "(~x*" "+get)" is one rule.
    std::vector<std::string> rules;
    size_t unmatched = 0;
    if (!mergeSelectorArguments({words.begin() + 2, words.end()}, rules, unmatched)) {
      errors += where + ": Unmatched parenthesis in selector definition.";
    }
    auto user = fresh.newUser(name);
    bool syntaxError = false;
    for (const std::string& word : rules) {
      const std::string_view rule = trim(word, "\t\r\n");
      const std::string reason = applyRule(*user, rule);
      if (reason.empty()) continue;
      // An unknown command or category is named every time; of the other errors only the
      // line's first, since it may cause the next ones.
      if (reason == kErrUnknownCommand) {
        errors +=
            where + ": Error in applying operation '" + std::string(rule) + "': " + reason + ". ";
      } else if (!syntaxError) {
        errors += where + ": " + reason + ". ";
        syntaxError = true;
      }
    }
    fresh.users_.emplace(std::string(name), std::move(user));
  }
  if (!errors.empty()) {
    return "ERR " + errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  // The default user keeps its object (clients share it): it takes the file's rules, or its
  // initial ones when the file has none.
  auto fileDefault = fresh.find("default");
  AclUser next = fileDefault ? *fileDefault : *Acl(commands_).default_;
  *default_ = std::move(next);
  fresh.users_.erase("default");
  users_ = std::move(fresh.users_);
  users_.emplace("default", default_);
  return std::nullopt;
}

std::optional<std::string> Acl::saveFile(const std::string& path) const {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [name, u] : users_) out << describe(*u) << '\n';
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return "ERR There was an error trying to save the ACLs. Please check the server logs for "
             "more information";
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "ERR There was an error trying to save the ACLs. Please check the server logs for "
           "more information";
  }
  return std::nullopt;
}

}  // namespace strata::node
