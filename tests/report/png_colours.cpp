// Prints how many distinct colours a PNG file has (`mlf_png_colours shot.png`): the browser
// test's check that a screenshot is not blank. Uses the runtime's PNG decoder.
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "runtime/data/png_decode.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mlf_png_colours FILE.png\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto decoded = mlf::runtime::decode_png(argv[1], bytes.str());
  if (!mlf::runtime::ok(decoded)) {
    std::cerr << mlf::runtime::error(decoded).message << "\n";
    return 1;
  }
  const auto& image = mlf::runtime::value(decoded);
  std::set<std::uint32_t> colours;
  std::int64_t plane = image.height * image.width;
  for (std::int64_t p = 0; p < plane; ++p) {
    std::uint32_t colour = 0;
    for (std::int64_t c = 0; c < std::min<std::int64_t>(image.channels, 3); ++c)
      colour = colour << 8 | image.planes[c * plane + p];
    colours.insert(colour);
  }
  std::cout << colours.size() << "\n";
  return 0;
}
