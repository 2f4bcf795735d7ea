#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace ebpipe {
namespace {

// Verifier logs can be megabytes; the tail is where the reason is.
constexpr size_t kMaxLogBytes = 16 * 1024;

std::mutex log_mutex;
std::string log_buffer;
bool echo_to_stderr = false;

int CaptureLibbpfMessage(enum libbpf_print_level level, const char *format, va_list args) {
  if (level == LIBBPF_DEBUG && !echo_to_stderr) return 0;
  char line[1024];
  va_list copy;
  va_copy(copy, args);
  vsnprintf(line, sizeof(line), format, copy);
  va_end(copy);
  if (echo_to_stderr) fputs(line, stderr);
  if (level == LIBBPF_DEBUG) return 0;
  std::lock_guard<std::mutex> lock(log_mutex);
  log_buffer += line;
  if (log_buffer.size() > kMaxLogBytes) log_buffer.erase(0, log_buffer.size() - kMaxLogBytes);
  return 0;
}

}  // namespace

void InstallLibbpfLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    echo_to_stderr = getenv("EBPIPE_LIBBPF_DEBUG") != nullptr;
    libbpf_set_print(CaptureLibbpfMessage);
  });
}

std::string TakeLibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string out;
  out.swap(log_buffer);
  return out;
}

}  // namespace ebpipe
