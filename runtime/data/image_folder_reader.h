// The `image_folder` reader: folders of PNG images, one per class, into u8 [C, H, W] samples.
//
// Takes: the root directory (resolved) and the tree digest the plan recorded for it.
// Promises: the images are exactly the compile-time probe's list (compiler/probe/
// image_folder_probe.h is called again: classes = sorted subdirectory names, files sorted by
// class then by name in byte order, hidden entries ignored), label = class index,
// source_index = position in that list. Verification: each image's bytes are read once into
// memory; the tree digest (probe::FileDigestCache::digest_tree, the one the checker used)
// must equal the plan's; then every image's bytes in memory must hash to the digest the
// tree walk saw for that file (a file changed between the two reads is caught, never
// decoded silently). Every image must decode to the probe's shape. Errors name the file.
// Does not: resize, convert colours, or read anything but .png.
#pragma once

#include <string>

#include "compiler/hash/sha256.h"
#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

DataResult<Dataset> read_image_folder(const std::string& root, const Digest& expected_tree);

}  // namespace mlf::runtime
