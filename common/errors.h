// Error reply texts, byte-exact with Redis 7.0, in one place. Each constant is the text after the
// leading '-' and without the trailing CRLF; writers add the framing. Shared by node and proxy.
#pragma once

#include <string_view>

namespace strata::errors {

// RESP protocol errors (the connection is closed after sending one of these).
inline constexpr std::string_view kInvalidMultibulkLength = "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kInvalidBulkLength = "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kTooBigInlineRequest = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kTooBigMbulkCount = "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kTooBigBulkCount = "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kUnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request";
inline constexpr std::string_view kUnauthMultibulkLength = "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kUnauthBulkLength = "ERR Protocol error: unauthenticated bulk length";
// "expected '$', got '%c'" is built by the parser: see resp::RequestParser.
inline constexpr std::string_view kExpectedDollarPrefix = "ERR Protocol error: expected '$', got '";
inline constexpr std::string_view kTooDeepNesting = "ERR Protocol error: too deep nesting";
inline constexpr std::string_view kInvalidReply = "ERR Protocol error: invalid reply";
// Reply-side (backend, replication, test client) protocol errors from resp::ReplyParser, and a
// caller bug detected by resp::RequestParser. Not Redis texts: Redis never parses replies.
inline constexpr std::string_view kInvalidReplyType = "ERR Protocol error: invalid reply type byte";
inline constexpr std::string_view kInvalidReplyLength = "ERR Protocol error: invalid reply length";
inline constexpr std::string_view kInvalidReplyInteger =
    "ERR Protocol error: invalid integer in reply";
inline constexpr std::string_view kInvalidReplyDouble =
    "ERR Protocol error: invalid double in reply";
inline constexpr std::string_view kInvalidReplyBoolean =
    "ERR Protocol error: invalid boolean in reply";
inline constexpr std::string_view kInvalidReplyNull = "ERR Protocol error: invalid null in reply";
inline constexpr std::string_view kInvalidReplyBigNumber =
    "ERR Protocol error: invalid big number in reply";
inline constexpr std::string_view kInvalidReplyVerbatim =
    "ERR Protocol error: invalid verbatim string in reply";
inline constexpr std::string_view kReplyMissingCrlf = "ERR Protocol error: expected CRLF in reply";
inline constexpr std::string_view kTooBigReplyLine = "ERR Protocol error: too big reply line";
inline constexpr std::string_view kInputShrank =
    "ERR Protocol error: input shrank between parse calls";

// Generic command errors.
inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kMasterDown =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

// Cluster errors.
inline constexpr std::string_view kCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
inline constexpr std::string_view kClusterDown = "CLUSTERDOWN The cluster is down";
inline constexpr std::string_view kClusterDownUnbound = "CLUSTERDOWN Hash slot not served";
inline constexpr std::string_view kTryAgain =
    "TRYAGAIN Multiple keys request during rehashing of slot";
inline constexpr std::string_view kSelectNotAllowed = "ERR SELECT is not allowed in cluster mode";

}  // namespace strata::errors
