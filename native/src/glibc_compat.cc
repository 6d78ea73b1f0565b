// The addon links libstdc++ and libbpf statically (no compiler runtime or libbpf needed where it
// runs), and must load wherever the official Node binaries run: glibc 2.28 and newer. Built on a
// newer glibc, the static libstdc++ would reference symbols that appeared later (pthread_* moved into
// libc in 2.34, __libc_single_threaded 2.32, arc4random 2.36, pthread_cond_clockwait 2.30). Each is pinned here to the old version
// or given a local definition; scripts/check-addon.sh fails the build if any newer symbol is left.
// Hidden: nothing here is exported from the addon.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>

#define LW_HIDDEN __attribute__((visibility("hidden")))

// The versions every x86-64 glibc has had (in libpthread.so.0 before 2.34, in libc.so.6 since).
__asm__(".symver lw_pthread_create, pthread_create@GLIBC_2.2.5");
__asm__(".symver lw_pthread_join, pthread_join@GLIBC_2.2.5");
__asm__(".symver lw_pthread_detach, pthread_detach@GLIBC_2.2.5");
__asm__(".symver lw_pthread_once, pthread_once@GLIBC_2.2.5");
__asm__(".symver lw_pthread_key_create, __pthread_key_create@GLIBC_2.2.5");
__asm__(".symver lw_pthread_key_create2, pthread_key_create@GLIBC_2.2.5");
__asm__(".symver lw_pthread_key_delete, pthread_key_delete@GLIBC_2.2.5");
__asm__(".symver lw_pthread_getspecific, pthread_getspecific@GLIBC_2.2.5");
__asm__(".symver lw_pthread_setspecific, pthread_setspecific@GLIBC_2.2.5");
__asm__(".symver lw_pthread_cond_timedwait, pthread_cond_timedwait@GLIBC_2.3.2");

extern "C" {
int lw_pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
int lw_pthread_join(pthread_t, void**);
int lw_pthread_detach(pthread_t);
int lw_pthread_once(pthread_once_t*, void (*)(void));
int lw_pthread_key_create(pthread_key_t*, void (*)(void*));
int lw_pthread_key_create2(pthread_key_t*, void (*)(void*));
int lw_pthread_key_delete(pthread_key_t);
void* lw_pthread_getspecific(pthread_key_t);
int lw_pthread_setspecific(pthread_key_t, const void*);
int lw_pthread_cond_timedwait(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);

// linked with -Wl,--wrap=NAME: every reference to NAME (ours and libstdc++'s) lands here
LW_HIDDEN int __wrap_pthread_create(pthread_t* t, const pthread_attr_t* a, void* (*f)(void*), void* arg) {
  return lw_pthread_create(t, a, f, arg);
}
LW_HIDDEN int __wrap_pthread_join(pthread_t t, void** ret) { return lw_pthread_join(t, ret); }
LW_HIDDEN int __wrap_pthread_detach(pthread_t t) { return lw_pthread_detach(t); }
LW_HIDDEN int __wrap_pthread_once(pthread_once_t* once, void (*f)(void)) { return lw_pthread_once(once, f); }
LW_HIDDEN int __wrap___pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return lw_pthread_key_create(key, destructor);
}
// libstdc++'s condition_variable.o (notify_all_at_thread_exit) keeps a thread-specific key
LW_HIDDEN int __wrap_pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return lw_pthread_key_create2(key, destructor);
}
LW_HIDDEN int __wrap_pthread_key_delete(pthread_key_t key) { return lw_pthread_key_delete(key); }
LW_HIDDEN void* __wrap_pthread_getspecific(pthread_key_t key) { return lw_pthread_getspecific(key); }
LW_HIDDEN int __wrap_pthread_setspecific(pthread_key_t key, const void* value) {
  return lw_pthread_setspecific(key, value);
}

// std::condition_variable::wait_for waits on the steady clock through pthread_cond_clockwait
// (glibc 2.30). The condition variable itself uses CLOCK_REALTIME (libstdc++ initialises it with
// default attributes), so a steady deadline becomes the same distance from now on that clock. A
// wall-clock step during the wait moves the deadline by as much: fine for the addon's timeouts,
// which are bounds on a wait and not measurements.
LW_HIDDEN int __wrap_pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                            const struct timespec* deadline) {
  if (clock == CLOCK_REALTIME) return lw_pthread_cond_timedwait(cond, mutex, deadline);
  if (clock != CLOCK_MONOTONIC) return EINVAL;
  struct timespec now_clock, now_real;
  clock_gettime(CLOCK_MONOTONIC, &now_clock);
  clock_gettime(CLOCK_REALTIME, &now_real);
  int64_t left_ns = (static_cast<int64_t>(deadline->tv_sec) - now_clock.tv_sec) * 1000000000LL +
                    (deadline->tv_nsec - now_clock.tv_nsec);
  if (left_ns < 0) left_ns = 0;
  int64_t real_ns = static_cast<int64_t>(now_real.tv_sec) * 1000000000LL + now_real.tv_nsec + left_ns;
  struct timespec real_deadline = {static_cast<time_t>(real_ns / 1000000000LL), static_cast<long>(real_ns % 1000000000LL)};
  return lw_pthread_cond_timedwait(cond, mutex, &real_deadline);
}

// libstdc++ skips atomic reference counting while this is non-zero; 0 ("threads may exist") is
// always correct, and the addon does start a thread.
LW_HIDDEN char __libc_single_threaded = 0;

// Only std::random_device uses it, and the addon does not: defined so that random.o links.
LW_HIDDEN uint32_t arc4random(void) {
  uint32_t value = 0;
  while (syscall(SYS_getrandom, &value, sizeof(value), 0) < 0 && errno == EINTR) {
  }
  return value;
}
}
