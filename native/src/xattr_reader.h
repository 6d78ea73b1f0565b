// The extended attributes of an open file (flistxattr + fgetxattr), for the baseline: node has no
// xattr API. Plain C++ with no N-API, so it can be reasoned about (and bounded) on its own.
#pragma once
#include <string>
#include <vector>

namespace lsmwatch {

struct XattrEntry {
  std::string name;
  std::vector<unsigned char> value;
};

struct XattrList {
  std::vector<XattrEntry> entries;
  // attributes left out: more than kMaxXattrs, or gone between the list and the read
  unsigned skipped = 0;
};

// At most this many attributes are read; the rest are counted in skipped.
constexpr unsigned kMaxXattrs = 128;

// 0 and the list (empty where the file system keeps no attributes), or an errno value.
int ReadXattrs(int fd, XattrList* out);

}  // namespace lsmwatch
