#include "runtime/data/image_folder_reader.h"

#include <cstring>

#include "compiler/probe/file_digest.h"
#include "compiler/probe/image_folder_probe.h"
#include "runtime/data/file_bytes.h"
#include "runtime/data/png_decode.h"

namespace mlf::runtime {
namespace {

std::string join(const std::string& root, const std::string& relative) {
  if (!root.empty() && root.back() == '/') return root + relative;
  return root + "/" + relative;
}

}  // namespace

DataResult<Dataset> read_image_folder(const std::string& root, const Digest& expected_tree) {
  auto probed = probe::probe_image_folder(root);
  if (!probe::ok(probed)) return DataError{probe::error(probed).message};
  const probe::ImageFolderSummary& summary = std::get<probe::ImageFolderSummary>(probed);

  // 1. The images' bytes, read once.
  std::vector<std::string> contents;
  contents.reserve(summary.files.size());
  for (const std::string& relative : summary.files) {
    auto bytes = read_whole_file(join(root, relative));
    if (!ok(bytes)) return error(bytes);
    contents.push_back(std::move(value(bytes)));
  }

  // 2. The tree digest the plan recorded, then each image against what the tree walk saw.
  probe::FileDigestCache digests("");
  auto tree = digests.digest_tree(root);
  if (!probe::ok(tree)) return DataError{probe::error(tree).message};
  const Digest& actual_tree = std::get<Digest>(tree);
  if (actual_tree != expected_tree)
    return DataError{quoted_path(root) + " has changed since the plan was built: its tree SHA-256 is " +
                         actual_tree.hex() + " but the plan expects " + expected_tree.hex() +
                         "; rebuild the plan (`mlf build`) to use the new data",
                     ChangedData{root, actual_tree, expected_tree}};
  for (std::size_t i = 0; i < summary.files.size(); ++i) {
    std::string path = join(root, summary.files[i]);
    auto seen = digests.digest(path);
    if (!probe::ok(seen)) return DataError{probe::error(seen).message};
    if (std::get<Digest>(seen) != Sha256::of(contents[i]))
      return DataError{quoted_path(path) + " changed while it was being read; run again"};
  }

  // 3. Decode.
  Dataset out;
  const std::int64_t n = summary.total;
  out.x = Tensor::zeros(DType::U8, {n, summary.channels, summary.height, summary.width});
  const std::size_t sample = static_cast<std::size_t>(summary.channels * summary.height * summary.width);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string path = join(root, summary.files[static_cast<std::size_t>(i)]);
    auto image = decode_png(path, contents[static_cast<std::size_t>(i)]);
    if (!ok(image)) return error(image);
    const PngImage& png = value(image);
    if (png.channels != summary.channels || png.height != summary.height || png.width != summary.width)
      return DataError{quoted_path(path) + " decodes to " + std::to_string(png.channels) + "×" +
                       std::to_string(png.height) + "×" + std::to_string(png.width) +
                       " but the folder's images are " + std::to_string(summary.channels) + "×" +
                       std::to_string(summary.height) + "×" + std::to_string(summary.width)};
    std::memcpy(out.x.bytes.data() + static_cast<std::size_t>(i) * sample, png.planes.data(), sample);
    contents[static_cast<std::size_t>(i)].clear();
    contents[static_cast<std::size_t>(i)].shrink_to_fit();
  }
  out.y.resize(static_cast<std::size_t>(n));
  out.source_index.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    out.y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(summary.labels[static_cast<std::size_t>(i)]);
    out.source_index[static_cast<std::size_t>(i)] = i;
  }
  out.classes = static_cast<std::int64_t>(summary.classes.size());
  return out;
}

}  // namespace mlf::runtime
