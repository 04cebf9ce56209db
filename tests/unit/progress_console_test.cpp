// Progress output: the status line redrawn in place on a terminal, plain lines otherwise, and
// the progress text with its time estimate.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "runtime/exec/progress_console.h"
#include "runtime/exec/training_progress.h"

namespace mlf::runtime {
namespace {

const std::string kErase = "\r\033[K";

TEST(ProgressConsole, OnATerminalTheStatusIsRedrawnInPlaceBelowTheLines) {
  std::ostringstream out;
  ProgressConsole console(out, true, 80);
  console.status("fit: epoch 1/2");
  console.status("fit: epoch 2/2");
  console.line("done    fit");
  console.clear();
  EXPECT_EQ(out.str(), kErase + "fit: epoch 1/2" + kErase + "fit: epoch 2/2" + kErase +
                           "done    fit\n" + "fit: epoch 2/2" + kErase);
}

TEST(ProgressConsole, OnATerminalTheStatusNeverWraps) {
  std::ostringstream out;
  ProgressConsole console(out, true, 10);
  console.status("épochs 1234567890");  // a two-byte character counts as one column
  EXPECT_EQ(out.str(), kErase + "épochs 12");
}

TEST(ProgressConsole, ElsewhereOnlyPlainLines) {
  std::ostringstream out;
  ProgressConsole console(out, false);
  console.status("fit: epoch 1/2");
  console.line("run     fit");
  console.clear();
  EXPECT_EQ(out.str(), "run     fit\n");
  EXPECT_FALSE(console.terminal());
}

TEST(ProgressConsole, LinesFromManyThreadsStayWhole) {
  std::ostringstream out;
  ProgressConsole console(out, false);
  std::vector<std::thread> threads;
  std::set<std::string> expected;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 200; ++i) expected.insert("thread " + std::to_string(t) + " line " + std::to_string(i));
    threads.emplace_back([&console, t] {
      for (int i = 0; i < 200; ++i) console.line("thread " + std::to_string(t) + " line " + std::to_string(i));
    });
  }
  for (auto& thread : threads) thread.join();
  std::istringstream lines(out.str());
  std::set<std::string> seen;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(expected.count(line)) << "a torn line: `" << line << "`";
    seen.insert(line);
  }
  EXPECT_EQ(seen, expected);
}

TEST(TrainingProgress, TheEstimateCoversTheRestOfTheStageAtTheMeasuredRate) {
  Progress p;
  p.epochs = 4;
  p.batches = 100;
  p.epoch = 1;  // the second epoch
  p.batch = 50;
  const double elapsed = 30.0;
  const double done = 1 * 100 + 50, total = 4 * 100;
  ASSERT_TRUE(remaining_seconds(p, elapsed));
  EXPECT_DOUBLE_EQ(*remaining_seconds(p, elapsed), (total - done) * elapsed / done);
  p.epoch = 3;
  p.batch = 100;
  EXPECT_EQ(*remaining_seconds(p, elapsed), 0.0);
  p.epoch = 0;
  p.batch = 0;
  EXPECT_FALSE(remaining_seconds(p, elapsed));
}

TEST(TrainingProgress, TextNamesEverythingASlowStageNeeds) {
  Progress p;
  p.epochs = 10;
  p.epoch = 1;
  p.batches = 120;
  p.batch = 60;
  p.loss = 0.4312;
  p.samples_per_second = 1520;
  std::string text = progress_text("fit", p, 18.0);
  EXPECT_EQ(text.rfind("fit: epoch 2/10", 0), 0u) << text;
  EXPECT_NE(text.find("batch 60/120"), std::string::npos) << text;
  EXPECT_NE(text.find("loss 0.4312"), std::string::npos) << text;
  EXPECT_NE(text.find("1520 samples/s"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA " + duration_text(*remaining_seconds(p, 18.0))), std::string::npos) << text;
}

TEST(TrainingProgress, Durations) {
  EXPECT_EQ(duration_text(7.4), "7s");
  EXPECT_EQ(duration_text(65), "1m05s");
  EXPECT_EQ(duration_text(3 * 3600 + 120), "3h02m");
  EXPECT_EQ(duration_text(-1), "?");
}

}  // namespace
}  // namespace mlf::runtime
