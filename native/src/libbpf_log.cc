#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace lsmwatch {
namespace {

constexpr size_t kMaxLogBytes = 256 * 1024;  // the tail of a verifier log is what explains a failure

std::mutex g_log_mutex;
std::string* g_log = nullptr;  // leaked on purpose: libbpf may log until the process ends

int CaptureLibbpfMessage(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  // One message can be a whole verifier log (hundreds of KiB): size it first, keep its tail.
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(line.data(), line.size(), format, args);
  line.resize(static_cast<size_t>(n));
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (!g_log) g_log = new std::string();
  g_log->append(line);
  if (g_log->size() > kMaxLogBytes) g_log->erase(0, g_log->size() - kMaxLogBytes);
  return n;
}

}  // namespace

void InstallLibbpfLogCapture() { libbpf_set_print(CaptureLibbpfMessage); }

std::string TakeLibbpfLog() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (!g_log) return std::string();
  std::string out;
  out.swap(*g_log);
  return out;
}

void ClearLibbpfLog() { TakeLibbpfLog(); }

}  // namespace lsmwatch
