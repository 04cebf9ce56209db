// Folders of PNG images, one subdirectory per class, probed at compile time.
//
// Takes: a root directory laid out as root/<class name>/<image>.png.
// Promises: classes are the subdirectory names sorted in byte order (class id = index);
// every non-hidden file in a class directory must be a .png (any case) whose signature and
// IHDR chunk (CRC checked) declare 8-bit gray (1 channel), gray+alpha (2), RGB (3) or RGBA
// (4); all images share one shape, else BadFormat names the first file that differs and the
// first image it was compared with. `files` lists every image relative to root, sorted by
// class, then by file name in byte order: that list, not a directory listing, is what the
// runtime reads, so its order is deterministic on every machine. Reads 33 bytes per image.
// Never throws.
// Does not: decode pixels, follow nested directories (a directory inside a class directory
// is BadFormat), or accept palette, 16-bit or sub-byte PNGs. Hidden entries (names starting
// with '.') and plain files directly in root are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/probe/probe_result.h"

namespace mlf::probe {

struct ImageFolderSummary {
  std::vector<std::string> classes;          // sorted subdirectory names
  std::vector<std::int64_t> class_counts;    // images per class, parallel to classes
  std::int64_t total = 0;                    // sum of class_counts
  std::int64_t channels = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::vector<std::string> files;            // "class/name.png", sorted by (class, name)
  std::vector<std::int64_t> labels;          // class id of each entry of files
};

ProbeResult<ImageFolderSummary> probe_image_folder(const std::string& root);

}  // namespace mlf::probe
