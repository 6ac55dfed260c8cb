// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO: client-side caching's commands, with
// Redis 7.0's option checks and error texts (networking.c's clientCommand). The server side
// (key table, invalidation messages, BCAST prefixes) is node/server/tracking.h.
#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/server/client.h"
#include "node/server/server.h"
#include "node/server/tracking.h"

namespace strata::node {

namespace {

using config::equalsNoCase;

// checkPrefixCollisionsOrReply: no new prefix overlaps one the client has or another new one.
bool prefixesOk(CommandContext& ctx, const std::vector<std::string_view>& prefixes) {
  const std::set<std::string>& existing = ctx.client.tracking.prefixes;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const std::string& e : existing) {
      if (prefixesOverlap(e, prefixes[i])) {
        ctx.w.error("ERR Prefix '" + std::string(prefixes[i]) +
                    "' overlaps with an existing prefix '" + e +
                    "'. Prefixes for a single client must not overlap.");
        return false;
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (prefixesOverlap(prefixes[i], prefixes[j])) {
        ctx.w.error("ERR Prefix '" + std::string(prefixes[i]) +
                    "' overlaps with another provided prefix '" + std::string(prefixes[j]) +
                    "'. Prefixes for a single client must not overlap.");
        return false;
      }
    }
  }
  return true;
}

// The checks CLIENT TRACKING ON makes before enabling, in Redis's order; false after an error.
bool compatible(CommandContext& ctx, const TrackingOptions& o) {
  const ClientTracking& t = ctx.client.tracking;
  if (!o.bcast && !o.prefixes.empty()) {
    ctx.w.error("ERR PREFIX option requires BCAST mode to be enabled");
    return false;
  }
  if (t.on && t.bcast != o.bcast) {
    ctx.w.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  if (o.bcast && (o.optin || o.optout)) {
    ctx.w.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return false;
  }
  if (o.optin && o.optout) {
    ctx.w.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return false;
  }
  if ((o.optin && t.optout) || (o.optout && t.optin)) {
    ctx.w.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  return !o.bcast || prefixesOk(ctx, o.prefixes);
}

}  // namespace

namespace cmd {

void clientTracking(CommandContext& ctx) {
  TrackingOptions o;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    if (equalsNoCase(opt, "redirect") && more) {
      ++j;
      if (o.redirect != 0) {
        ctx.w.error("ERR A client can only redirect to a single other client");
        return;
      }
      int64_t id = 0;
      if (!intArgOrReply(ctx, ctx.arg(j), id)) return;
      // The client must exist now (it may go later: the redirection is then "broken").
      if (id <= 0 || ctx.server.clients().count(static_cast<uint64_t>(id)) == 0) {
        ctx.w.error("ERR The client ID you want redirect to does not exist");
        return;
      }
      o.redirect = static_cast<uint64_t>(id);
    } else if (equalsNoCase(opt, "bcast")) {
      o.bcast = true;
    } else if (equalsNoCase(opt, "optin")) {
      o.optin = true;
    } else if (equalsNoCase(opt, "optout")) {
      o.optout = true;
    } else if (equalsNoCase(opt, "noloop")) {
      o.noloop = true;
    } else if (equalsNoCase(opt, "prefix") && more) {
      o.prefixes.push_back(ctx.arg(++j));
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  if (equalsNoCase(ctx.arg(2), "on")) {
    if (!compatible(ctx, o)) return;
    ctx.server.tracking().enable(ctx.client, o);
  } else if (equalsNoCase(ctx.arg(2), "off")) {
    if (ctx.server.trackingInUse()) ctx.server.tracking().disable(ctx.client);
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  ctx.w.ok();
}

void clientCaching(CommandContext& ctx) {
  ClientTracking& t = ctx.client.tracking;
  if (!t.on) {
    ctx.w.error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
    return;
  }
  if (equalsNoCase(ctx.arg(2), "yes")) {
    if (!t.optin) {
      ctx.w.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (equalsNoCase(ctx.arg(2), "no")) {
    if (!t.optout) {
      ctx.w.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.w.error(errors::kSyntax);
    return;
  }
  t.caching = true;  // for the next command (or transaction) only
  ctx.w.ok();
}

void clientGetredir(CommandContext& ctx) {
  const ClientTracking& t = ctx.client.tracking;
  ctx.w.integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void clientTrackinginfo(CommandContext& ctx) {
  const ClientTracking& t = ctx.client.tracking;
  std::vector<std::string_view> flags{t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) {
    flags.push_back("optin");
    if (t.caching) flags.push_back("caching-yes");
  }
  if (t.optout) {
    flags.push_back("optout");
    if (t.caching) flags.push_back("caching-no");
  }
  if (t.noloop) flags.push_back("noloop");
  if (t.brokenRedirect) flags.push_back("broken_redirect");
  resp::Writer& w = ctx.w;
  w.mapHeader(3);
  w.bulk("flags");
  w.setHeader(flags.size());
  for (std::string_view f : flags) w.bulk(f);
  w.bulk("redirect");
  w.integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  w.bulk("prefixes");
  w.arrayHeader(t.prefixes.size());
  for (const std::string& p : t.prefixes) w.bulk(p);
}

}  // namespace cmd

}  // namespace strata::node
