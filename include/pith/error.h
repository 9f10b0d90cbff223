// pith::Error: the one exception type libpith throws at its boundaries, with a category so that
// callers (Python, CLI, server) can map it to their own error kinds.
#pragma once

#include <stdexcept>
#include <string>

namespace pith {

enum class ErrorCode {
  kInvalidArgument,  // bad input from the caller: shapes, values, parameters
  kFormat,           // a model file that is truncated, corrupted or not a pith model
  kVersion,          // a model file written by an incompatible format version
  kUnsupported,      // a valid request pith does not support (estimator kind, dtype)
  kIO,               // the operating system refused a read or write
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void throw_invalid_argument(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

}  // namespace pith
