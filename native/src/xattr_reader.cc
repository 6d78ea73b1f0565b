#include "xattr_reader.h"

#include <errno.h>
#include <sys/xattr.h>

namespace lsmwatch {
namespace {

// XATTR_LIST_MAX and XATTR_SIZE_MAX (linux/limits.h): the kernel never returns more.
constexpr size_t kListMax = 65536;
constexpr size_t kValueMax = 65536;

// The names, NUL-separated. The list may grow between the size query and the read: then ERANGE,
// and the largest buffer the kernel can need is tried.
int ListNames(int fd, std::vector<char>* names) {
  ssize_t size = flistxattr(fd, nullptr, 0);
  if (size < 0) return errno;
  names->resize(static_cast<size_t>(size) + 1);
  ssize_t got = size == 0 ? 0 : flistxattr(fd, names->data(), names->size());
  if (got < 0 && errno == ERANGE) {
    names->resize(kListMax);
    got = flistxattr(fd, names->data(), names->size());
  }
  if (got < 0) return errno;
  names->resize(static_cast<size_t>(got));
  return 0;
}

// 0, ENODATA (removed since the list), or another errno.
int ReadValue(int fd, const char* name, std::vector<unsigned char>* value) {
  ssize_t size = fgetxattr(fd, name, nullptr, 0);
  if (size < 0) return errno;
  value->resize(static_cast<size_t>(size));
  ssize_t got = size == 0 ? 0 : fgetxattr(fd, name, value->data(), value->size());
  if (got < 0 && errno == ERANGE) {
    value->resize(kValueMax);
    got = fgetxattr(fd, name, value->data(), value->size());
  }
  if (got < 0) return errno;
  value->resize(static_cast<size_t>(got));
  return 0;
}

}  // namespace

int ReadXattrs(int fd, XattrList* out) {
  std::vector<char> names;
  int err = ListNames(fd, &names);
  if (err == ENOTSUP) return 0;  // the file system keeps none
  if (err != 0) return err;
  size_t at = 0;
  while (at < names.size()) {
    const char* name = names.data() + at;
    size_t len = 0;
    while (at + len < names.size() && names[at + len] != '\0') len++;
    std::string text(name, len);
    at += len + 1;
    if (len == 0) continue;
    if (out->entries.size() >= kMaxXattrs) {
      out->skipped++;
      continue;
    }
    XattrEntry entry{text, {}};
    err = ReadValue(fd, entry.name.c_str(), &entry.value);
    if (err == ENODATA) {
      out->skipped++;
      continue;
    }
    if (err != 0) return err;
    out->entries.push_back(std::move(entry));
  }
  return 0;
}

}  // namespace lsmwatch
