// Private to compiler/sema: the state of one check and the checker's methods, split over
// checker.cpp (declarations, params, sweeps, gates), expression_evaluator.cpp (expressions),
// call_binder.cpp (arguments against the catalogue) and node_builder.cpp (graph nodes,
// augment chains, model shapes).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic_engine.h"
#include "compiler/graph/graph.h"
#include "compiler/probe/file_digest.h"
#include "compiler/sema/checker.h"
#include "compiler/sema/path_confinement.h"
#include "compiler/sema/project.h"
#include "compiler/source/source_reader.h"
#include "stdlib/catalogue.h"

namespace mlf::sema_detail {

struct Scope;

struct Definition {
  enum class Kind { Param, Binding, SweepVariable };
  enum class State { Pending, Running, Done };

  Kind kind = Kind::Binding;
  std::string name;
  Span name_span;
  const ast::Decl* decl = nullptr;  // the param or binding declaration
  Scope* scope = nullptr;           // where its expression is evaluated
  State state = State::Pending;
  Value value;
  bool from_main_file = true;
};

struct Scope {
  Scope* parent = nullptr;
  std::map<std::string, Definition> definitions;
  std::vector<std::string> order;  // declaration order of `definitions`
  std::string suffix;              // "[lr=0.001]" inside a sweep
  std::vector<std::pair<std::string, std::string>> sweep_values;
};

struct PendingDecl {
  const ast::Decl* decl;
  Scope* scope;
};

class Checker {
 public:
  Checker(const CheckOptions& options, SourceMap& sources, DiagnosticEngine& diagnostics);
  std::optional<Graph> run();

  // --- checker.cpp
  bool load_modules();  // false when the main file cannot be read
  const ast::Module* load_file(const std::string& path, const std::string& absolute,
                               Span import_span, bool is_main);
  void report_unreadable(const SourceReadError& error, const std::string& path,
                         Span import_span, bool is_main);
  void declare(const ast::Decl& decl, Scope& scope, bool from_main);
  void evaluate_scope(Scope& scope);
  void evaluate_definition(Definition& definition);
  Value evaluate_param(Definition& definition);
  std::optional<Value> override_value(const std::string& name, const ast::ParamDecl& param);
  void expand_sweep(const ast::SweepDecl& sweep, Scope& scope);
  void check_expect(const ast::ExpectDecl& expect, Scope& scope, Span span);
  void check_export(const ast::ExportDecl& exported, Scope& scope);
  void report_unused();
  void load_config();

  // --- outside_paths.cpp (docs/language.md, "Paths outside the project")
  void confine_paths();  // after load_config: the allowed folders are known
  void note_import(const std::string& absolute, Span import_span);  // called by load_modules
  void warn_imports_outside_project();
  // Warns about each path argument of a reader call that leads out of the project.
  void warn_data_outside_project(const OpCall& call, Span span);
  bool outside_project(const std::string& input) const;
  bool export_admitted(const std::string& target, Span path_span);

  // --- expression_evaluator.cpp
  Value eval(const ast::Expr& expr, Scope& scope, int depth = 0);
  Value eval_name(const ast::NameRef& ref, Span span, Scope& scope);
  Value eval_binary(const ast::Binary& binary, Span span, Scope& scope, int depth);
  Value eval_block(const ast::Block& block, Span span, Scope& scope, int depth);
  Value eval_member(const ast::MemberAccess& member, Span span, Scope& scope, int depth);
  Definition* lookup(const std::string& name, Scope& scope);
  std::vector<std::string> visible_names(Scope& scope) const;
  std::string describe(const Value& value) const;
  std::optional<Value> as_chain(const Value& value, Span span, const char* context);

  // --- call_binder.cpp
  Value eval_call(const ast::Call& call, Span span, Scope& scope, int depth);
  Value bare_op(const OpSpec& op, Span span);
  // Binds written arguments to the op's parameters; nullptr when any is wrong (reported).
  std::shared_ptr<OpCall> bind(const OpSpec& op, Span span,
                               std::vector<std::pair<const ast::Argument*, Value>> written);
  std::optional<Value> coerce(const Value& value, const ParamSpec& param, const OpSpec& op,
                              Span span);
  bool check_range(const Value& value, const ParamSpec& param, const OpSpec& op, Span span);
  Value apply_op(std::shared_ptr<OpCall> call, Span span);
  std::string resolve_path(const std::string& text, Span span) const;

  // --- node_builder.cpp
  Value make_reader(std::shared_ptr<OpCall> call, Span span);
  Value make_dataset_op(std::shared_ptr<OpCall> call, Span span);
  Value make_train(std::shared_ptr<OpCall> call, Span span);
  Value make_evaluate(std::shared_ptr<OpCall> call, Span span);
  Value apply_chain(const Value& dataset, const Value& chain, Span span);
  std::optional<std::vector<ModelLayer>> infer_layers(
      const std::vector<std::shared_ptr<const OpCall>>& layers, TensorType& shape, Span data_span);
  void report_rule_error(const RuleError& error, const OpCall& call, Span span);
  NodeId add_node(Node node);
  bool is_dataset(const Value& value) const;

  const CheckOptions& options_;
  SourceMap& sources_;
  DiagnosticEngine& diagnostics_;
  Project project_;
  std::unique_ptr<probe::FileDigestCache> digests_;
  FileId main_file_ = kNoFile;

  std::deque<ast::Module> modules_;
  std::deque<Scope> scopes_;
  Scope* global_ = nullptr;
  std::vector<PendingDecl> expects_, exports_, sweeps_;
  std::vector<Definition*> evaluating_;
  std::set<const ast::Decl*> used_;
  std::set<std::string> loaded_files_;

  const ast::Decl* pipeline_decl_ = nullptr;
  const ast::Decl* seed_decl_ = nullptr;
  bool any_random_ = false;

  // Param values from mlflow.toml: name → (value, span in the config file).
  std::map<std::string, std::pair<Value, Span>> config_params_;
  std::set<std::string> used_overrides_;

  // Folders outside the project accepted without a diagnostic: `[exports] allow` and
  // `--allow-export-dir` for exports, `[inputs] allow` for data files and imports.
  std::vector<std::string> allowed_export_dirs_, allowed_input_dirs_;
  PathConfinement export_confinement_, input_confinement_;
  std::vector<std::pair<std::string, Span>> imports_;  // absolute path, import span
  std::set<std::pair<FileId, std::uint32_t>> warned_outside_;  // spans already reported

  Graph graph_;
};

bool values_equal(const Value& a, const Value& b);
bool same_call(const OpCall& a, const OpCall& b);

}  // namespace mlf::sema_detail
