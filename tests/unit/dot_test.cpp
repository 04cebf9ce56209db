// `mlf graph` output: deterministic DOT naming nodes by hash, with the expected nodes, edges,
// gates and exports; Graphviz accepts it when it is installed.

#include "compiler/graph/dot.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "compiler/hash/content_hash.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

OpSpec spec(std::string name, OpKind kind, bool random = false) {
  OpSpec op;
  op.name = std::move(name);
  op.kind = kind;
  op.random = random;
  return op;
}

const OpSpec kIdx = spec("idx", OpKind::Reader);
const OpSpec kToFloat = spec("to_float", OpKind::Augment);
const OpSpec kHflip = spec("random_hflip", OpKind::Augment, true);
const OpSpec kTrain = spec("train", OpKind::Stage, true);
const OpSpec kEvaluate = spec("evaluate", OpKind::Stage);

std::shared_ptr<OpCall> call(const OpSpec& op) {
  auto out = std::make_shared<OpCall>();
  out->op = &op;
  return out;
}

Node node(NodeKind kind, const OpSpec* op, std::vector<NodeId> inputs, std::string label) {
  Node n;
  n.kind = kind;
  if (op) n.call = call(*op);
  n.inputs = std::move(inputs);
  n.label = std::move(label);
  n.random = kind == NodeKind::Train;
  return n;
}

Graph pipeline(bool hashed = true) {
  Graph graph;
  graph.pipeline = "fashion \"demo\"";
  graph.root_seed = 1;
  graph.nodes.push_back(node(NodeKind::Read, &kIdx, {}, "train"));
  graph.nodes.back().files = {{"images", "/d/a", false, Sha256::of("a")}};
  graph.nodes.push_back(node(NodeKind::Augment, nullptr, {0}, "train |> jitter"));
  AugmentStep to_float, flip;
  to_float.op = call(kToFloat);
  flip.op = call(kHflip);
  graph.nodes.back().chain = {to_float, flip};
  graph.nodes.push_back(node(NodeKind::Train, &kTrain, {1}, "fit"));
  graph.nodes.push_back(node(NodeKind::Evaluate, &kEvaluate, {2, 1}, "score"));
  graph.gates.push_back(Gate{3, "accuracy", ">=", 0.9, "score.accuracy >= 0.90", {}});
  graph.exports.push_back(Export{2, "out/cnn.pt", {}});
  if (hashed) hash_graph(graph);
  return graph;
}

std::string id(const Graph& graph, NodeId node) {
  return "n_" + graph.nodes[node].hash.short_hex(16);
}

TEST(DotOutput, HasNodesEdgesGatesAndExports) {
  Graph graph = pipeline();
  std::string dot = to_dot(graph);
  EXPECT_EQ(dot.rfind("digraph \"fashion \\\"demo\\\"\" {\n", 0), 0u) << dot;
  std::string read = id(graph, 0), chain = id(graph, 1), fit = id(graph, 2), score = id(graph, 3);
  auto has = [&](const std::string& line) {
    EXPECT_NE(dot.find("  " + line + "\n"), std::string::npos) << line << "\n" << dot;
  };
  has(read + " [label=\"train\\nread idx · " + graph.nodes[0].hash.short_hex(12) +
      "\", shape=cylinder];");
  has(chain + " [label=\"train |> jitter\\naugment · " + graph.nodes[1].hash.short_hex(12) +
      "\\nto_float → random_hflip\", shape=box];");
  has(fit + " [label=\"fit\\ntrain · " + graph.nodes[2].hash.short_hex(12) + "\", shape=box3d];");
  has(read + " -> " + chain + ";");
  has(chain + " -> " + fit + ";");
  has(fit + " -> " + score + ";");
  has(chain + " -> " + score + ";");
  has("gate_0 [label=\"expect score.accuracy >= 0.90\", shape=diamond, style=filled, "
      "fillcolor=\"#fff3c4\"];");
  has(score + " -> gate_0 [style=dashed, arrowhead=none];");
  has("export_0 [label=\"export\\nout/cnn.pt\", shape=note, style=filled, "
      "fillcolor=\"#dff0d8\"];");
  has(fit + " -> export_0 [style=dashed];");
  EXPECT_EQ(dot.back(), '\n');
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}

TEST(DotOutput, DeterministicAndIndependentOfLabelsOrder) {
  Graph graph = pipeline();
  EXPECT_EQ(to_dot(graph), to_dot(pipeline()));
  // Two sweep points sharing a node draw it once, with both labels.
  Graph shared = pipeline();
  shared.nodes.push_back(shared.nodes[1]);
  shared.nodes.back().label = "another name";
  std::string dot = to_dot(shared);
  EXPECT_NE(dot.find("another name\\ntrain |> jitter\\naugment"), std::string::npos) << dot;
  EXPECT_EQ(dot.find(id(shared, 1) + " [label"), dot.rfind(id(shared, 1) + " [label"));
}

TEST(DotOutput, UnhashedGraphStillDraws) {
  std::string dot = to_dot(pipeline(false));
  EXPECT_NE(dot.find("n_unhashed_0 -> n_unhashed_1;"), std::string::npos) << dot;
}

TEST(DotOutput, GraphvizAcceptsIt) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "graphviz is not installed";
  auto dir = std::filesystem::temp_directory_path() /
             ("mlf_dot_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  auto input = dir / "graph.dot", output = dir / "graph.svg";
  std::ofstream(input) << to_dot(pipeline());
  std::string command = "dot -Tsvg '" + input.string() + "' -o '" + output.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(output), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mlf
