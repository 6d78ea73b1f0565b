#include "program_variants.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

namespace lsmwatch {
namespace {

#define LW_HELPER_NAME(x) "bpf_" #x
const char* const kHelperNames[] = {__BPF_FUNC_MAPPER(LW_HELPER_NAME)};
#undef LW_HELPER_NAME

std::string HelperName(int id) {
  if (id >= 0 && static_cast<size_t>(id) < sizeof(kHelperNames) / sizeof(kHelperNames[0])) return kHelperNames[id];
  return "helper #" + std::to_string(id);
}

// What a program's own instructions ask of the kernel. Code in non-inlined subprograms (callbacks)
// is only appended by libbpf at load time and is not seen here; the helper that takes the
// callback (bpf_for_each_map_elem, bpf_loop, ...) is, and is newer than what the callback does.
struct ProgramNeeds {
  bool atomic_fetch = false;  // BPF_ATOMIC other than a plain add: fetch, xchg, cmpxchg, and/or/xor (5.12)
  std::set<int> helpers;
};

ProgramNeeds ScanProgram(const struct bpf_program* prog) {
  ProgramNeeds needs;
  const struct bpf_insn* insns = bpf_program__insns(prog);
  size_t count = bpf_program__insn_cnt(prog);
  for (size_t i = 0; i < count; i++) {
    const struct bpf_insn& insn = insns[i];
    uint8_t cls = BPF_CLASS(insn.code);
    if (cls == BPF_STX && BPF_MODE(insn.code) == BPF_ATOMIC && insn.imm != BPF_ADD) needs.atomic_fetch = true;
    if (cls == BPF_JMP && BPF_OP(insn.code) == BPF_CALL && insn.src_reg == 0) needs.helpers.insert(insn.imm);
    if (insn.code == (BPF_LD | BPF_IMM | BPF_DW)) i++;  // two slots
  }
  return needs;
}

constexpr char kProbeLicense[] = "GPL";

struct bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn insn = {};
  insn.code = code;
  insn.dst_reg = dst;
  insn.src_reg = src;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

// Probes the running kernel once per question; answers are cached for the life of the process.
class KernelProbe {
 public:
  // atomic fetch-add and xchg on a stack slot, in the simplest program type
  bool AtomicFetch() {
    if (atomic_fetch_ < 0) {
      const struct bpf_insn insns[] = {
          Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 0),
          Insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -8, 0),
          Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
          Insn(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_1, -8, BPF_ADD | BPF_FETCH),
          Insn(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_1, -8, BPF_XCHG),
          Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
          Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
      };
      int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, nullptr, kProbeLicense, insns,
                             sizeof(insns) / sizeof(insns[0]), nullptr);
      atomic_fetch_ = fd >= 0 ? 1 : 0;
      if (fd >= 0) close(fd);
    }
    return atomic_fetch_ == 1;
  }

  // Whether a program like prog (type, attach point, flags) may call the helper. Decided from the
  // verifier's words, as libbpf's own probes do: a refusal for any other reason (arguments, return
  // value, a kernel that refuses the program type outright) means the helper itself is there, and
  // the real load then decides.
  bool Helper(const struct bpf_program* prog, int helper) {
    enum bpf_prog_type type = bpf_program__type(prog);
    enum bpf_attach_type attach = bpf_program__expected_attach_type(prog);
    uint32_t btf_id = AttachBtfId(prog);
    auto key = std::make_tuple(static_cast<int>(type), static_cast<int>(attach), btf_id, helper);
    auto it = helpers_.find(key);
    if (it != helpers_.end()) return it->second;

    const struct bpf_insn insns[] = {
        Insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper),
        Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
        Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    char log[4096] = "";
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach, .prog_flags = bpf_program__flags(prog),
                .attach_btf_id = btf_id, .log_level = 1, .log_size = sizeof(log), .log_buf = log);
    int fd = bpf_prog_load(type, nullptr, kProbeLicense, insns, sizeof(insns) / sizeof(insns[0]), &opts);
    bool available = true;
    if (fd >= 0) {
      close(fd);
    } else {
      log[sizeof(log) - 1] = '\0';
      available = !strstr(log, "unknown func") && !strstr(log, "invalid func") && !strstr(log, "not allowed in probe") &&
                  !strstr(log, "cannot use helper");
    }
    helpers_[key] = available;
    return available;
  }

 private:
  // LSM and tracing programs name their attach point by BTF id; libbpf resolves it only at load.
  static uint32_t AttachBtfId(const struct bpf_program* prog) {
    enum bpf_prog_type type = bpf_program__type(prog);
    if (type != BPF_PROG_TYPE_LSM && type != BPF_PROG_TYPE_TRACING) return 0;
    const char* sec = bpf_program__section_name(prog);
    const char* slash = strchr(sec, '/');
    if (!slash) return 0;
    int id = libbpf_find_vmlinux_btf_id(slash + 1, bpf_program__expected_attach_type(prog));
    return id > 0 ? static_cast<uint32_t>(id) : 0;
  }

  int atomic_fetch_ = -1;
  std::map<std::tuple<int, int, uint32_t, int>, bool> helpers_;
};

// Why prog cannot load on this kernel, as a clause ("this kernel lacks ..."); "" if it may.
std::string WhyNot(KernelProbe& probe, const struct bpf_program* prog, const RuledOut& ruled_out) {
  auto refused = ruled_out.find(bpf_program__name(prog));
  if (refused != ruled_out.end()) return "this kernel's verifier refused it: " + refused->second;
  ProgramNeeds needs = ScanProgram(prog);
  std::string lacks;
  auto add = [&lacks](const std::string& what) { lacks += (lacks.empty() ? "" : ", ") + what; };
  if (needs.atomic_fetch && !probe.AtomicFetch()) add("BPF atomic fetch/xchg instructions (Linux 5.12)");
  for (int helper : needs.helpers) {
    if (!probe.Helper(prog, helper)) add("the helper " + HelperName(helper) + " for this program type");
  }
  return lacks.empty() ? "" : "this kernel lacks " + lacks;
}

// <base>__optional (LW_OPTIONAL_PROGRAM): <base> may be left out where it cannot load.
bool IsOptionalMarker(const std::string& program) {
  static const std::string kSuffix = "__optional";
  return program.size() > kSuffix.size() && program.compare(program.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string BaseName(const std::string& program) {
  size_t at = program.find("__");
  return at == std::string::npos ? program : program.substr(0, at);
}

}  // namespace

void SelectProgramVariants(struct bpf_object* obj, const RuledOut& ruled_out, std::vector<SkippedProgram>* skipped,
                           std::vector<ChosenVariant>* variants) {
  // groups in object order; within a group the base program first
  std::vector<std::string> order;
  std::map<std::string, std::vector<struct bpf_program*>> groups;
  std::set<std::string> optional;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string name = bpf_program__name(prog);
    std::string base = BaseName(name);
    if (IsOptionalMarker(name)) {
      bpf_program__set_autoload(prog, false);  // a marker (LW_OPTIONAL_PROGRAM), never loaded
      optional.insert(base);
      continue;
    }
    if (!bpf_program__autoload(prog)) continue;  // already left out (missing hook)
    auto& members = groups[base];
    if (members.empty()) order.push_back(base);
    if (name == base) {
      members.insert(members.begin(), prog);
    } else {
      members.push_back(prog);
    }
  }
  static KernelProbe probe;  // the kernel does not change under a running agent
  for (const std::string& base : order) {
    struct bpf_program* chosen = nullptr;
    std::string first_why;
    std::string first_name;
    for (struct bpf_program* member : groups[base]) {
      if (chosen) {
        bpf_program__set_autoload(member, false);
        continue;
      }
      std::string why = WhyNot(probe, member, ruled_out);
      if (why.empty()) {
        chosen = member;
        continue;
      }
      if (first_why.empty()) {
        first_why = why;
        first_name = bpf_program__name(member);
      }
      bpf_program__set_autoload(member, false);
    }
    if (!chosen && optional.count(base)) {
      skipped->push_back({base, first_name + " not loaded: " + first_why + " (an optional program without a variant that fits)"});
    } else if (!chosen) {
      // Leaving out a program nobody marked optional would blind the sensor without a word.
      throw SensorFailure("ENOTSUP", ENOTSUP,
                          first_name + " cannot load on this kernel: " + first_why +
                              "; it has no variant that fits and is not optional (see bpf/include/variants.bpf.h)",
                          "");
    } else if (bpf_program__name(chosen) != base) {
      variants->push_back({base, bpf_program__name(chosen), first_why.empty() ? "the object has no " + base : first_why});
    }
  }
}

std::string ReplaceableFailure(struct bpf_object* obj, const std::string& log, const RuledOut& ruled_out,
                               std::string* verdict) {
  // libbpf: "prog 'NAME': failed to load: -13", after the program's verifier log
  static const std::string kMarker = "': failed to load";
  size_t end = log.rfind(kMarker);
  if (end == std::string::npos) return "";
  size_t start = log.rfind("prog '", end);
  if (start == std::string::npos) return "";
  std::string failed = log.substr(start + 6, end - start - 6);
  std::string base = BaseName(failed);
  bool alternative = false;
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string name = bpf_program__name(prog);
    if (name != failed && BaseName(name) == base && (IsOptionalMarker(name) || !ruled_out.count(name))) alternative = true;
  }
  if (!alternative) return "";
  // the verifier's last words about it: the lines before "processed N insns" of its log
  std::string program_log = log.substr(0, start);
  size_t begin = program_log.rfind("-- BEGIN PROG LOAD LOG --");
  if (begin != std::string::npos) program_log = program_log.substr(begin + 25);
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < program_log.size()) {
    size_t nl = program_log.find('\n', at);
    std::string line = program_log.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? program_log.size() : nl + 1;
    if (line.empty() || line.rfind("processed ", 0) == 0 || line.rfind("-- END", 0) == 0 || line.rfind("libbpf:", 0) == 0) continue;
    lines.push_back(line);
  }
  std::string last;
  for (size_t i = lines.size() > 2 ? lines.size() - 2 : 0; i < lines.size(); i++) last += (last.empty() ? "" : "; ") + lines[i];
  *verdict = last.empty() ? "load failed" : last;
  return failed;
}

}  // namespace lsmwatch
