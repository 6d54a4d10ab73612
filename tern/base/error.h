// Errors. Two kinds, kept apart (as in PyTorch's c10):
//  - TERN_CHECK(cond, ...): the *user* gave bad input (argument, file, flag).
//    Throws a typed tern::Error subclass whose message says what was expected
//    and what was given. The CLI prints it on one line and exits non-zero.
//  - TERN_ASSERT(cond, ...): one of *our* invariants broke: a bug in Tern.
//    TERN_DASSERT is the same but compiled out in release builds (hot loops).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tern {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class ValueError : public Error { using Error::Error; };
class TypeError : public Error { using Error::Error; };
class IndexError : public Error { using Error::Error; };
class NotImplementedError : public Error { using Error::Error; };
class IOError : public Error { using Error::Error; };
class InternalError : public Error { using Error::Error; };

namespace detail {
inline void append_all(std::ostringstream&) {}
template <typename T, typename... Rest>
void append_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append_all(os, rest...);
}
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  append_all(os, args...);
  return os.str();
}
[[noreturn]] void throw_internal(const char* file, int line, const char* cond, const std::string& msg);
}  // namespace detail

// Concatenates its arguments with operator<<, e.g. str_cat("got ", n, " dims").
using detail::str_cat;

}  // namespace tern

// TERN_CHECK(cond, msg...) throws tern::ValueError; TERN_CHECK_T picks the type.
#define TERN_CHECK_T(ErrorType, cond, ...)                         \
  do {                                                             \
    if (!(cond)) [[unlikely]]                                      \
      throw ErrorType(::tern::detail::str_cat(__VA_ARGS__));       \
  } while (0)
#define TERN_CHECK(cond, ...) TERN_CHECK_T(::tern::ValueError, cond, __VA_ARGS__)
#define TERN_CHECK_INDEX(cond, ...) TERN_CHECK_T(::tern::IndexError, cond, __VA_ARGS__)
#define TERN_CHECK_TYPE(cond, ...) TERN_CHECK_T(::tern::TypeError, cond, __VA_ARGS__)
#define TERN_FAIL(...) throw ::tern::ValueError(::tern::detail::str_cat(__VA_ARGS__))

#define TERN_ASSERT(cond, ...)                                                        \
  do {                                                                                \
    if (!(cond)) [[unlikely]]                                                         \
      ::tern::detail::throw_internal(__FILE__, __LINE__, #cond,                       \
                                     ::tern::detail::str_cat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)
#ifdef NDEBUG
#define TERN_DASSERT(cond, ...) ((void)0)
#else
#define TERN_DASSERT(cond, ...) TERN_ASSERT(cond, __VA_ARGS__)
#endif
