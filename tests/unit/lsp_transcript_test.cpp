// Scripted language-server sessions: each tests/lsp/*.jsonl is piped into `mlf lsp` and
// every message the server sends is matched, in order, against the script's expectations.
//
// Script lines (blank lines and lines starting with // are skipped):
//   {"send": MESSAGE}        framed with Content-Length and sent
//   {"send_raw": "bytes"}    sent exactly as written (for broken framing)
//   {"expect": PATTERN}      the next message from the server must match PATTERN
//   {"exit_code": N}         the server's exit status (default 0)
// Patterns match like the JSON they are, except that objects may leave keys out, and
//   {"$substring": "text"}   matches a string containing text
//   {"$includes": [P, ...]}  matches an array with, for each P, some element matching P
//   {"$any": true}           matches anything present
// In the script ${DIR} is the file URI of a scratch copy of tests/lsp/workspace, and
// "${TEXT:name}" the JSON string of that file's contents.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scratch_dir.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

bool matches(const json& expected, const json& actual, const std::string& where, std::string& why) {
  if (expected.is_object() && expected.size() == 1) {
    if (expected.contains("$any")) return true;
    if (expected.contains("$substring")) {
      std::string part = expected["$substring"].get<std::string>();
      if (actual.is_string() && actual.get<std::string>().find(part) != std::string::npos) return true;
      why = where + ": expected a string containing " + json(part).dump() + ", got " + actual.dump();
      return false;
    }
    if (expected.contains("$includes")) {
      if (!actual.is_array()) {
        why = where + ": expected an array, got " + actual.dump();
        return false;
      }
      for (const auto& wanted : expected["$includes"]) {
        bool found = false;
        std::string ignored;
        for (const auto& element : actual) found = found || matches(wanted, element, where, ignored);
        if (!found) {
          why = where + ": no element matches " + wanted.dump();
          return false;
        }
      }
      return true;
    }
  }
  if (expected.is_object()) {
    if (!actual.is_object()) {
      why = where + ": expected an object, got " + actual.dump();
      return false;
    }
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) {
        why = where + ": missing `" + key + "` in " + actual.dump();
        return false;
      }
      if (!matches(value, actual[key], where + "." + key, why)) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      why = where + ": expected " + expected.dump() + ", got " + actual.dump();
      return false;
    }
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!matches(expected[i], actual[i], where + "[" + std::to_string(i) + "]", why)) return false;
    return true;
  }
  if (expected != actual) {
    why = where + ": expected " + expected.dump() + ", got " + actual.dump();
    return false;
  }
  return true;
}

std::vector<json> server_messages(const std::string& stream, std::string& error) {
  std::vector<json> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t header_end = stream.find("\r\n\r\n", at);
    const std::string prefix = "Content-Length: ";
    if (header_end == std::string::npos || stream.compare(at, prefix.size(), prefix) != 0) {
      error = "bad framing at byte " + std::to_string(at);
      return out;
    }
    std::size_t length = std::stoul(stream.substr(at + prefix.size(), header_end - at - prefix.size()));
    out.push_back(json::parse(stream.substr(header_end + 4, length)));
    at = header_end + 4 + length;
  }
  return out;
}

std::vector<fs::path> transcripts() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(MLF_SOURCE_DIR) / "tests/lsp"))
    if (entry.path().extension() == ".jsonl") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

class LspTranscript : public ::testing::TestWithParam<fs::path> {};

TEST_P(LspTranscript, ServerAnswersAsScripted) {
  mlf::test_support::ScratchDir scratch;
  fs::copy(fs::path(MLF_SOURCE_DIR) / "tests/lsp/workspace", scratch.root(),
           fs::copy_options::recursive);
  std::string dir_uri = "file://" + fs::canonical(scratch.root()).string();

  std::string input;
  std::vector<json> expected;
  int expected_exit = 0;
  std::istringstream script(read_all(GetParam()));
  std::string line;
  while (std::getline(script, line)) {
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    for (std::size_t at = line.find("\"${TEXT:"); at != std::string::npos; at = line.find("\"${TEXT:")) {
      std::size_t end = line.find("}\"", at);
      ASSERT_NE(end, std::string::npos) << line;
      std::string name = line.substr(at + 8, end - at - 8);
      line.replace(at, end + 2 - at, json(read_all(fs::path(scratch.root()) / name)).dump());
    }
    replace_all(line, "${DIR}", dir_uri);
    json step = json::parse(line);
    if (step.contains("send")) {
      std::string body = step["send"].dump();
      input += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    } else if (step.contains("send_raw")) {
      input += step["send_raw"].get<std::string>();
    } else if (step.contains("expect")) {
      expected.push_back(step["expect"]);
    } else if (step.contains("exit_code")) {
      expected_exit = step["exit_code"].get<int>();
    }
  }
  std::ofstream(scratch.path("session.in"), std::ios::binary) << input;
  std::string command = std::string("cd ") + scratch.root() + " && " + MLF_BINARY +
                        " lsp < session.in > session.out 2> session.err";
  int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "the server died: " << read_all(scratch.path("session.err"));
  EXPECT_EQ(WEXITSTATUS(status), expected_exit) << read_all(scratch.path("session.err"));

  std::string error;
  std::vector<json> actual = server_messages(read_all(scratch.path("session.out")), error);
  ASSERT_TRUE(error.empty()) << error;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_LT(i, actual.size()) << "the server sent " << actual.size() << " messages; expected "
                                << expected.size();
    std::string why;
    EXPECT_TRUE(matches(expected[i], actual[i], "message " + std::to_string(i + 1), why))
        << why << "\nwhole message: " << actual[i].dump();
  }
  EXPECT_EQ(actual.size(), expected.size()) << "unexpected extra messages, the last: "
                                            << (actual.empty() ? "" : actual.back().dump());
}

INSTANTIATE_TEST_SUITE_P(Scripts, LspTranscript, ::testing::ValuesIn(transcripts()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
