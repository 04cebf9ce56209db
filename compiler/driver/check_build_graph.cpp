// `mlf check`, `mlf build`, `mlf graph`: the commands that compile a pipeline.
#include <filesystem>
#include <iostream>

#include "compiler/driver/commands.h"
#include "compiler/driver/compilation.h"
#include "compiler/driver/help_text.h"
#include "compiler/driver/store_access.h"
#include "compiler/graph/dot.h"
#include "compiler/plan/plan_writer.h"
#include "compiler/sema/project.h"

namespace mlf::driver {

namespace fs = std::filesystem;

namespace {

struct Prepared {
  ParsedArgs args;
  OutputStyle style;
  int exit = -1;  // >= 0: stop with this code
};

Prepared prepare(const std::string& command, const std::vector<std::string>& argv,
                 std::vector<FlagSpec> extra) {
  Prepared p;
  auto flags = compile_flags();
  flags.insert(flags.end(), extra.begin(), extra.end());
  if (auto error = parse_args(argv, flags, p.args)) {
    p.exit = usage_error(command, *error);
    return p;
  }
  if (p.args.has("--help")) {
    std::cout << help_text(command);
    p.exit = kOk;
    return p;
  }
  if (p.args.positional.size() != 1) {
    p.exit = usage_error(command, p.args.positional.empty() ? "missing FILE"
                                                            : "expected one FILE");
    return p;
  }
  p.style = output_style(p.args);
  return p;
}

}  // namespace

int run_check(const std::vector<std::string>& argv) {
  Prepared p = prepare("check", argv, {});
  if (p.exit >= 0) return p.exit;
  const std::string& file = p.args.positional[0];
  auto graph = compile(file, p.args, p.style);
  if (!graph) return kUserError;
  if (!p.style.json) {
    std::size_t stages = 0;
    for (const auto& n : graph->nodes)
      stages += n.kind == NodeKind::Train || n.kind == NodeKind::Evaluate;
    std::cerr << "checked `" << file << "`: " << graph->nodes.size()  << " nodes, " << stages
              << (stages == 1 ? " stage, " : " stages, ") << graph->gates.size() << (graph->gates.size() == 1 ? " gate\n" : " gates\n");
  }
  return kOk;
}

int run_build(const std::vector<std::string>& argv) {
  Prepared p = prepare("build", argv, {{"--output", "-o", true, false}});
  if (p.exit >= 0) return p.exit;
  const std::string& file = p.args.positional[0];
  auto graph = compile(file, p.args, p.style);
  if (!graph) return kUserError;
  PlanText plan = write_plan(*graph);
  std::string id = plan.id.hex();
  std::string output;
  if (auto given = p.args.value("--output")) {
    output = *given;
    std::string error;
    if (!write_file_atomically(output, plan.body + "\n" + plan.labels, error)) {
      std::cerr << "error: " << error << "\n";
      return kUserError;
    }
  } else {
    // Into the store as a sealed record, as `mlf run` writes it (runtime/store/object_store.h).
    auto store = open_store(find_project(file).store_path);
    if (!store) return kUserError;
    const std::string relative = "plans/" + id + ".toml";
    if (auto written = store->write_text(relative, plan_file_text(plan.body, plan.labels)); !written.ok()) {
      std::cerr << "error: " << written.error().message << "\n";
      return kUserError;
    }
    output = store->folder().full(relative);
  }
  if (p.style.json) std::cout << "{\"plan\":\"" << id << "\",\"path\":\"" << output << "\"}\n";
  else std::cout << id << "\n";
  return kOk;
}

int run_graph(const std::vector<std::string>& argv) {
  Prepared p = prepare("graph", argv, {});
  if (p.exit >= 0) return p.exit;
  auto graph = compile(p.args.positional[0], p.args, p.style);
  if (!graph) return kUserError;
  std::cout << to_dot(*graph);
  return kOk;
}

}  // namespace mlf::driver
