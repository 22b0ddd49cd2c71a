// Minimal stand-in for dmlc/logging.h, just enough for TVM's VTA functional
// simulator: CHECK* print the failed condition (and any streamed message) to
// stderr and abort(); LOG(FATAL) likewise; LOG(INFO)/LOG(WARNING) print only.
#ifndef FSIM_SHIM_DMLC_LOGGING_H_
#define FSIM_SHIM_DMLC_LOGGING_H_
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace fsim_shim {
class LogMessage {
 public:
  LogMessage(const char* file, int line, const char* tag, bool fatal)
      : fatal_(fatal) {
    os_ << "[fsim " << tag << "] " << file << ":" << line << ": ";
  }
  ~LogMessage() {
    std::fprintf(stderr, "%s\n", os_.str().c_str());
    std::fflush(stderr);
    if (fatal_) std::abort();
  }
  std::ostream& stream() { return os_; }

 private:
  std::ostringstream os_;
  bool fatal_;
};
// Makes `cond ? (void)0 : Voidify() & stream << ...` well-typed.
struct Voidify {
  void operator&(std::ostream&) {}
};
}  // namespace fsim_shim

#define LOG_FATAL_STREAM_ fsim_shim::LogMessage(__FILE__, __LINE__, "FATAL", true).stream()
#define LOG(severity) LOG_##severity##_
#define LOG_FATAL_ LOG_FATAL_STREAM_
#define LOG_ERROR_ fsim_shim::LogMessage(__FILE__, __LINE__, "ERROR", false).stream()
#define LOG_WARNING_ fsim_shim::LogMessage(__FILE__, __LINE__, "WARNING", false).stream()
#define LOG_INFO_ fsim_shim::LogMessage(__FILE__, __LINE__, "INFO", false).stream()

#define CHECK(cond)                                                    \
  (cond) ? (void)0                                                     \
         : fsim_shim::Voidify() &                                      \
               fsim_shim::LogMessage(__FILE__, __LINE__, "CHECK", true) \
                       .stream()                                       \
                   << "Check failed: " #cond " "

#define FSIM_CHECK_OP_(a, b, op)                                                  \
  ((a)op(b)) ? (void)0                                                            \
             : fsim_shim::Voidify() &                                             \
                   fsim_shim::LogMessage(__FILE__, __LINE__, "CHECK", true)       \
                           .stream()                                              \
                       << "Check failed: " #a " " #op " " #b " (" << (a) << " vs " \
                       << (b) << ") "

#define CHECK_EQ(a, b) FSIM_CHECK_OP_(a, b, ==)
#define CHECK_NE(a, b) FSIM_CHECK_OP_(a, b, !=)
#define CHECK_LT(a, b) FSIM_CHECK_OP_(a, b, <)
#define CHECK_LE(a, b) FSIM_CHECK_OP_(a, b, <=)
#define CHECK_GT(a, b) FSIM_CHECK_OP_(a, b, >)
#define CHECK_GE(a, b) FSIM_CHECK_OP_(a, b, >=)
#define CHECK_NOTNULL(x) CHECK((x) != nullptr)

#endif  // FSIM_SHIM_DMLC_LOGGING_H_
