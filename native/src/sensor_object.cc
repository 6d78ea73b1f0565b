#include "sensor_object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <system_error>
#include <thread>

#include "libbpf_log.h"
#include "lsmwatch.h"
#include "lsmwatch_lsm.skel.h"
#include "lsmwatch_tp.skel.h"
#include "program_variants.h"

namespace lsmwatch {

std::string ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EBUSY: return "EBUSY";
    case ENOTSUP: return "ENOTSUP";
    case ESRCH: return "ESRCH";
    case EBADF: return "EBADF";
    case ENODEV: return "ENODEV";
    case 524: return "ENOTSUPP";  // kernel-internal, seen from BPF_PROG_LOAD
    default: return "E" + std::to_string(err);
  }
}

namespace {

[[noreturn]] void Fail(const std::string& what, int err) {
  if (err < 0) err = -err;
  throw SensorFailure(ErrnoName(err), err, what + ": " + strerror(err), TakeLibbpfLog());
}

// libbpf finds tracepoint ids in tracefs; mount it where the kernel offers it and nobody has.
void EnsureTracefs() {
  // access(), not stat(): stat is a GLIBC_2.33 symbol, and the addon runs on glibc 2.28 (glibc_compat.cc)
  if (access("/sys/kernel/tracing/events", F_OK) == 0 || access("/sys/kernel/debug/tracing/events", F_OK) == 0) return;
  if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
    Fail("tracefs is not mounted and mounting it on /sys/kernel/tracing failed", errno);
  }
}

// Each skeleton type is opened the same way; only the load-time settings differ by struct type.
template <typename Skel>
struct bpf_object* OpenSkeleton(Skel* (*open)(const struct bpf_object_open_opts*), void (*destroy)(Skel*),
                                const SensorOptions& options, std::function<void()>* destroy_out, void** skel_out) {
  Skel* skel = open(nullptr);
  if (!skel) Fail("opening the BPF object", errno);
  if (skel->rodata->lw_abi_version != LW_ABI_VERSION) {
    uint32_t found = skel->rodata->lw_abi_version;
    destroy(skel);
    throw SensorFailure("EABI", EINVAL,
                        "the BPF object was built for contract version " + std::to_string(found) +
                            ", this addon for version " + std::to_string(LW_ABI_VERSION) + ": rebuild (make build)",
                        "");
  }
  skel->rodata->lw_agent_tgid = options.agent_tgid;
  skel->rodata->lw_wakeup_bytes = options.wakeup_bytes;
  skel->rodata->lw_agg_window_ns = static_cast<uint64_t>(options.aggregate_window_ms) * 1000000ULL;
  *destroy_out = [skel, destroy]() { destroy(skel); };
  if (skel_out) *skel_out = skel;
  return skel->obj;
}

constexpr const char* kFlushProgram = "lw_flush_writes_prog";
constexpr const char* kMarkProgram = "lw_mark_fd_prog";
// Tail-called handlers of the tracepoint sensor's path operations, by slot of lw_path_op_handler:
// each in a resolving variant (bpf_loop) and a string-only one.
constexpr const char* kResolvingHandlers[] = {"lw_tail_path_op_resolve", "lw_tail_create_resolve", "lw_tail_mount_resolve"};
constexpr const char* kStringHandlers[] = {"lw_tail_path_op_string", "lw_tail_create_string", "lw_tail_mount_string"};

template <size_t N>
bool IsOneOf(const char* name, const char* const (&names)[N]) {
  for (const char* n : names) {
    if (strcmp(name, n) == 0) return true;
  }
  return false;
}

// Programs that are run (BPF_PROG_TEST_RUN) or tail-called, never attached.
bool IsNeverAttached(const struct bpf_program* prog) {
  const char* name = bpf_program__name(prog);
  return strcmp(name, kFlushProgram) == 0 || strcmp(name, kMarkProgram) == 0 || strncmp(name, "lw_tail_", 8) == 0;
}

// Whether the running kernel knows a BPF helper (enum bpf_func_id in its BTF): picks program
// variants before loading, since a program calling an unknown helper fails the whole object.
bool KernelHasHelper(const char* name) {
  struct btf* btf = btf__load_vmlinux_btf();
  if (!btf) return false;
  bool found = false;
  int id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
  if (id > 0) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    const struct btf_enum* e = btf_enum(t);
    for (int i = 0; i < btf_vlen(t) && !found; i++) found = strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0;
  }
  btf__free(btf);
  return found;
}

// Byte offsets of dentry members in the running kernel's BTF (-1 where absent).
struct DentryChildren {
  int children = -1;
  int sib = -1;
  bool hlist = true;
};

DentryChildren FindDentryChildren() {
  DentryChildren out;
  struct btf* btf = btf__load_vmlinux_btf();
  if (!btf) return out;
  int id = btf__find_by_name_kind(btf, "dentry", BTF_KIND_STRUCT);
  if (id > 0) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    const struct btf_member* m = btf_members(t);
    int subdirs = -1, child = -1;
    for (int i = 0; i < btf_vlen(t); i++) {
      const char* name = btf__name_by_offset(btf, m[i].name_off);
      int off = static_cast<int>(btf_member_bit_offset(t, i) / 8);
      if (strcmp(name, "d_children") == 0) out.children = off;
      if (strcmp(name, "d_sib") == 0) out.sib = off;
      if (strcmp(name, "d_subdirs") == 0) subdirs = off;
      if (strcmp(name, "d_child") == 0) child = off;
    }
    if (out.children < 0 && subdirs >= 0 && child >= 0) {
      out.children = subdirs;
      out.sib = child;
      out.hlist = false;
    }
  }
  btf__free(btf);
  return out;
}

bool KernelHasFunction(const char* name) {
  struct btf* btf = btf__load_vmlinux_btf();
  if (!btf) return false;
  bool found = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
  btf__free(btf);
  return found;
}

bool TracepointExists(const char* event) {
  return access((std::string("/sys/kernel/tracing/events/") + event).c_str(), F_OK) == 0 ||
         access((std::string("/sys/kernel/debug/tracing/events/") + event).c_str(), F_OK) == 0;
}

bool LsmHookExists(const char* hook) {
  return libbpf_find_vmlinux_btf_id(hook, BPF_LSM_MAC) > 0;
}

}  // namespace

SensorObject::SensorObject(const SensorOptions& options) : options_(options) {
  RuledOut ruled_out;
  // Each round rules out one more program the verifier refused (and that has a variant); bounded by
  // the number of programs, in practice one or two rounds.
  for (;;) {
    ClearLibbpfLog();
    skipped_.clear();
    variants_.clear();
    Open(ruled_out);
    int err = bpf_object__load(obj_);
    if (err == 0) {
      try {
        InstallPathOpHandler();
      } catch (...) {
        Detach();
        throw;
      }
      return;
    }
    std::string log = TakeLibbpfLog();
    std::string verdict;
    std::string refused = ReplaceableFailure(obj_, log, ruled_out, &verdict);
    Detach();
    if (refused.empty()) {
      if (err < 0) err = -err;
      // the log is the last attempt's: say why the programs tried before it were refused
      std::string before;
      for (const auto& [program, why] : ruled_out) before += (before.empty() ? "" : "; ") + program + ": " + why;
      throw SensorFailure(ErrnoName(err), err,
                          std::string("loading the BPF programs: ") + strerror(err) +
                              (before.empty() ? "" : " (refused before their variants were tried: " + before + ")"),
                          log);
    }
    ruled_out[refused] = verdict;
  }
}

// The exits of path operations (tracepoint sensor) tail-call their handler by slot: the resolving
// one where bpf_loop exists, else the string-only one.
void SensorObject::InstallPathOpHandler() {
  struct bpf_map* handlers = bpf_object__find_map_by_name(obj_, "lw_path_op_handler");
  if (!handlers) return;
  for (uint32_t slot = 0; slot < std::size(kResolvingHandlers); slot++) {
    const char* wanted = features_.dcache_resolver ? kResolvingHandlers[slot] : kStringHandlers[slot];
    struct bpf_program* handler = bpf_object__find_program_by_name(obj_, wanted);
    int fd = handler ? bpf_program__fd(handler) : -1;
    if (fd < 0 || bpf_map_update_elem(bpf_map__fd(handlers), &slot, &fd, BPF_ANY) != 0) {
      Fail("installing the path operation handlers", fd < 0 ? ENOENT : errno);
    }
  }
}

void SensorObject::Open(const RuledOut& ruled_out) {
  if (options_.kind == SensorKind::kLsm) {
    // Its tracepoint programs (mount changes, rename backstops) need tracefs; without it they are
    // skipped like any missing tracepoint.
    try {
      EnsureTracefs();
    } catch (const SensorFailure&) {
    }
    obj_ = OpenSkeleton(lsmwatch_lsm__open_opts, lsmwatch_lsm__destroy, options_, &destroy_skeleton_, &lsm_skeleton_);
  } else {
    EnsureTracefs();
    obj_ = OpenSkeleton(lsmwatch_tp__open_opts, lsmwatch_tp__destroy, options_, &destroy_skeleton_, &tp_skeleton_);
  }
  try {
    struct bpf_map* ring = FindMap("lw_events");
    if (int err = bpf_map__set_max_entries(ring, options_.ring_bytes)) Fail("sizing the ring buffer", err);

    // Optional hooks (path_rename/path_unlink need CONFIG_SECURITY_PATH): skip what the kernel lacks
    // (one line per hook, also when variants share it).
    auto skip = [this](struct bpf_program* prog, const std::string& reason) {
      bpf_program__set_autoload(prog, false);
      for (const auto& s : skipped_) {
        if (s.reason == reason) return;
      }
      skipped_.push_back({bpf_program__name(prog), reason});
    };
    DentryChildren children = FindDentryChildren();
    bool has_loop = KernelHasHelper("BPF_FUNC_loop") && children.children >= 0 && children.sib >= 0;
    if (options_.kind == SensorKind::kTracepoint) {
      auto* rodata = static_cast<lsmwatch_tp*>(tp_skeleton_)->rodata;
      rodata->lw_dentry_children_off = static_cast<uint32_t>(children.children < 0 ? 0 : children.children);
      rodata->lw_dentry_sib_off = static_cast<uint32_t>(children.sib < 0 ? 0 : children.sib);
      rodata->lw_dentry_children_hlist = children.hlist ? 1 : 0;
    }
    features_.dcache_resolver = options_.kind == SensorKind::kTracepoint && has_loop;
    features_.post_op_records = options_.kind == SensorKind::kLsm && KernelHasHelper("BPF_FUNC_get_func_ret") &&
                                KernelHasHelper("BPF_FUNC_get_func_arg") && KernelHasFunction("vfs_rename") &&
                                KernelHasFunction("vfs_unlink") && KernelHasFunction("vfs_rmdir");
    if (options_.kind == SensorKind::kLsm) {
      static_cast<lsmwatch_lsm*>(lsm_skeleton_)->rodata->lw_post_op_records = features_.post_op_records ? 1 : 0;
    }
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, obj_) {
      const char* sec = bpf_program__section_name(prog);
      const char* name = bpf_program__name(prog);
      if (options_.kind == SensorKind::kLsm && strncmp(sec, "lsm/", 4) == 0 && !LsmHookExists(sec + 4)) {
        skip(prog, std::string("kernel has no LSM hook ") + (sec + 4));
      } else if (strncmp(sec, "fexit/", 6) == 0 && !features_.post_op_records) {
        skip(prog, "kernel has no bpf_get_func_ret: renames, unlinks and rmdirs are reported when they start");
      } else if (strncmp(sec, "fexit/", 6) == 0 && !KernelHasFunction(sec + 6)) {
        skip(prog, std::string("kernel has no function ") + (sec + 6));
      } else if (strncmp(sec, "tracepoint/", 11) == 0 && !TracepointExists(sec + 11)) {
        skip(prog, std::string("kernel has no tracepoint ") + (sec + 11));
      } else if (IsOneOf(name, kResolvingHandlers) && !has_loop) {
        skip(prog, "kernel has no bpf_loop: rename and unlink paths are taken from the syscall's strings");
      } else if (IsOneOf(name, kStringHandlers) && has_loop) {
        bpf_program__set_autoload(prog, false);  // the resolving handler is used instead
      }
    }
    // Where this kernel lacks something a program uses: its variant, or nothing (program_variants.h).
    SelectProgramVariants(obj_, ruled_out, &skipped_, &variants_);
  } catch (...) {
    Detach();
    throw;
  }
}

SensorObject::~SensorObject() { Detach(); }

void SensorObject::FlushWrites(uint32_t mode) {
  struct bpf_program* prog = obj_ ? bpf_object__find_program_by_name(obj_, kFlushProgram) : nullptr;
  if (!prog) throw SensorFailure("ENOENT", ENOENT, std::string("no BPF program named ") + kFlushProgram, "");
  // Left out on kernels without what aggregation needs; so are the programs that aggregate.
  if (!bpf_program__autoload(prog)) return;
  uint64_t args[1] = {mode};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
  if (int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) Fail("running the write flush program", err);
}

struct bpf_map* SensorObject::FindMap(const std::string& name) const {
  struct bpf_map* map = obj_ ? bpf_object__find_map_by_name(obj_, name.c_str()) : nullptr;
  if (!map) throw SensorFailure("ENOENT", ENOENT, "no BPF map named " + name, "");
  return map;
}

void SensorObject::Attach() {
  ClearLibbpfLog();
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj_) {
    if (!bpf_program__autoload(prog)) continue;
    if (IsNeverAttached(prog)) continue;  // run on demand or tail-called
    struct bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      int err = errno;
      std::string what = std::string("attaching ") + bpf_program__name(prog) + " (" + bpf_program__section_name(prog) + ")";
      for (auto* l : links_) bpf_link__destroy(l);
      links_.clear();
      attachments_.clear();
      Fail(what, err);
    }
    links_.push_back(link);
    Attachment a;
    a.program = bpf_program__name(prog);
    a.hook = bpf_program__section_name(prog);
    struct bpf_prog_info pinfo = {};
    uint32_t plen = sizeof(pinfo);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pinfo, &plen) == 0) a.prog_id = pinfo.id;
    struct bpf_link_info linfo = {};
    uint32_t llen = sizeof(linfo);
    if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &linfo, &llen) == 0) a.link_id = linfo.id;
    attachments_.push_back(a);
  }
}

MarkedInode SensorObject::MarkPath(const std::string& path, uint32_t flags, uint32_t watch, uint32_t id, bool pin) {
  struct bpf_program* prog = obj_ ? bpf_object__find_program_by_name(obj_, kMarkProgram) : nullptr;
  if (!prog) throw SensorFailure("ENOENT", ENOENT, std::string("no BPF program named ") + kMarkProgram, "");
  int fd = open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) Fail("opening " + path + " to mark it", errno);
  uint64_t args[LW_MARK_ARG_COUNT] = {static_cast<uint64_t>(fd), flags, watch, id};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
  int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
  if (err == 0 && opts.retval != 0) err = opts.retval == 2 ? -ENOSPC : -EBADF;
  if (err != 0) {
    close(fd);
    Fail("marking " + path, err);
  }
  // the kernel's own identity of it (st_dev differs from the superblock's on btrfs, overlayfs)
  MarkedInode out = {};
  uint32_t zero = 0;
  bpf_map_lookup_elem(bpf_map__fd(FindMap("lw_mark_result")), &zero, &out);
  std::string identity(reinterpret_cast<const char*>(&out), sizeof(out));
  if (pin && pinned_keys_.insert(identity).second) {
    pinned_fds_.push_back(fd);  // one descriptor per inode, however often a reload marks it
  } else {
    close(fd);
  }
  return out;
}

// Closing a link waits for the kernel to retire it (an RCU grace period per tracepoint or
// trampoline, tens of milliseconds each, seconds for ~60 links under TCG). Closed from a few
// threads at once, those waits overlap: the stop is shorter, and so is the window in which some
// programs are already gone and others still report.
void SensorObject::DetachLinks() {
  constexpr size_t kThreads = 8;
  std::vector<std::thread> closers;
  std::atomic<size_t> next{0};
  auto close_some = [this, &next] {
    for (size_t i; (i = next.fetch_add(1)) < links_.size();) bpf_link__destroy(links_[i]);
  };
  for (size_t t = 1; t < kThreads && t < links_.size(); t++) {
    try {
      closers.emplace_back(close_some);
    } catch (const std::system_error&) {
      break;  // no thread: this one closes the rest
    }
  }
  close_some();
  for (auto& t : closers) t.join();
  links_.clear();
}

void SensorObject::Detach() {
  DetachLinks();
  UnmapRingPages();
  if (destroy_skeleton_) {
    destroy_skeleton_();
    destroy_skeleton_ = nullptr;
  }
  for (int fd : pinned_fds_) close(fd);
  pinned_fds_.clear();
  pinned_keys_.clear();
  obj_ = nullptr;
}

std::vector<AttachmentState> SensorObject::VerifyAttachments() const {
  std::vector<AttachmentState> out;
  for (const auto& a : attachments_) {
    AttachmentState s;
    s.attachment = a;
    int fd = a.prog_id ? bpf_prog_get_fd_by_id(a.prog_id) : -1;
    s.prog_present = fd >= 0;
    if (fd >= 0) close(fd);
    if (a.link_id) {
      int lfd = bpf_link_get_fd_by_id(a.link_id);
      if (lfd >= 0) {
        struct bpf_link_info info = {};
        uint32_t len = sizeof(info);
        // A detached link survives but no longer points at our program.
        s.link_present = bpf_obj_get_info_by_fd(lfd, &info, &len) == 0 && info.prog_id == a.prog_id;
        close(lfd);
      }
    } else {
      s.link_present = s.prog_present;
    }
    out.push_back(s);
  }
  return out;
}

void SensorObject::UpdateElem(const std::string& name, const std::vector<uint8_t>& key,
                              const std::vector<uint8_t>& value) {
  struct bpf_map* map = FindMap(name);
  if (key.size() != bpf_map__key_size(map) || value.size() != bpf_map__value_size(map)) {
    throw SensorFailure("EINVAL", EINVAL,
                        "map " + name + " wants a " + std::to_string(bpf_map__key_size(map)) + "-byte key and a " +
                            std::to_string(bpf_map__value_size(map)) + "-byte value",
                        "");
  }
  if (bpf_map_update_elem(bpf_map__fd(map), key.data(), value.data(), BPF_ANY) != 0) {
    Fail("updating map " + name, errno);
  }
}

void SensorObject::DeleteElem(const std::string& name, const std::vector<uint8_t>& key) {
  struct bpf_map* map = FindMap(name);
  if (key.size() != bpf_map__key_size(map)) throw SensorFailure("EINVAL", EINVAL, "bad key size for " + name, "");
  if (bpf_map_delete_elem(bpf_map__fd(map), key.data()) != 0 && errno != ENOENT) Fail("deleting from map " + name, errno);
}

std::vector<uint64_t> SensorObject::ReadCounters(const std::string& name, uint32_t entries) {
  struct bpf_map* map = FindMap(name);
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) Fail("counting CPUs", cpus);
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  std::vector<uint64_t> sums(entries, 0);
  for (uint32_t i = 0; i < entries; i++) {
    if (bpf_map_lookup_elem(bpf_map__fd(map), &i, per_cpu.data()) != 0) continue;
    for (auto v : per_cpu) sums[i] += v;
  }
  return sums;
}

int SensorObject::RingBufferFd() const { return bpf_map__fd(FindMap("lw_events")); }

std::vector<ObjectId> SensorObject::MapIds() const {
  std::vector<ObjectId> out;
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj_) {
    if (bpf_map__fd(map) < 0) continue;
    struct bpf_map_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) == 0) out.push_back({bpf_map__name(map), info.id});
  }
  return out;
}

std::vector<ObjectId> SensorObject::ProgIds() const {
  std::vector<ObjectId> out;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj_) {
    if (bpf_program__fd(prog) < 0) continue;
    struct bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) out.push_back({bpf_program__name(prog), info.id});
  }
  return out;
}

bool SensorObject::LookupElem(const std::string& name, const std::vector<uint8_t>& key, std::vector<uint8_t>* value) {
  struct bpf_map* map = FindMap(name);
  if (key.size() != bpf_map__key_size(map)) return false;
  value->assign(bpf_map__value_size(map), 0);
  return bpf_map_lookup_elem(bpf_map__fd(map), key.data(), value->data()) == 0;
}

// Walks a map's keys (bpf_map_get_next_key) and reads each value, at most max_entries of them.
// Entries that vanish during the walk are skipped. Returns false if the walk was cut short.
bool SensorObject::DumpMap(const std::string& name, size_t max_entries, std::vector<MapEntry>* out) {
  struct bpf_map* map = FindMap(name);
  int fd = bpf_map__fd(map);
  std::vector<uint8_t> key(bpf_map__key_size(map)), next(key.size());
  const void* prev = nullptr;
  out->clear();
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (out->size() >= max_entries) return false;
    MapEntry entry{next, std::vector<uint8_t>(bpf_map__value_size(map))};
    if (bpf_map_lookup_elem(fd, entry.key.data(), entry.value.data()) == 0) out->push_back(std::move(entry));
    key = next;
    prev = key.data();
  }
  return true;
}

}  // namespace lsmwatch
