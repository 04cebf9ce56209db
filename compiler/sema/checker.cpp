#include "compiler/sema/checker.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <toml++/toml.h>

#include "compiler/sema/checker_state.h"
#include "compiler/source/source_reader.h"
#include "compiler/syntax/parse.h"

namespace mlf {

namespace fs = std::filesystem;
using namespace sema_detail;

std::optional<Graph> check_pipeline(const CheckOptions& options, SourceMap& sources,
                                    DiagnosticEngine& diagnostics) {
  Checker checker(options, sources, diagnostics);
  return checker.run();
}

namespace sema_detail {

Checker::Checker(const CheckOptions& options, SourceMap& sources, DiagnosticEngine& diagnostics)
    : options_(options), sources_(sources), diagnostics_(diagnostics) {}

std::optional<Graph> Checker::run() {
  project_ = find_project(options_.main_file);
  graph_.project_root = project_.root;
  std::string cache_file;
  if (options_.cache_digests) {
    // 0755 whatever the umask, as the store makes its folders (runtime/store/store_root.h);
    // the project folder exists, so only `.mlf` itself can be missing.
    if (::mkdir(project_.store_path.c_str(), 0755) == 0 || errno == EEXIST)
      cache_file = (fs::path(project_.store_path) / "digests.toml").string();
  }
  digests_ = std::make_unique<probe::FileDigestCache>(cache_file);

  scopes_.emplace_back();
  global_ = &scopes_.back();

  if (!load_modules()) return std::nullopt;
  bool syntax_errors = diagnostics_.has_errors();
  if (options_.read_config) load_config();
  confine_paths();
  warn_imports_outside_project();

  for (std::size_t i = 0; i < modules_.size(); ++i) {
    bool from_main = modules_[i].file == main_file_;
    for (const auto& decl : modules_[i].decls) declare(*decl, *global_, from_main);
  }

  // Unknown overrides are reported before evaluation so they read first.
  std::vector<std::string> param_names;
  for (const auto& [name, def] : global_->definitions)
    if (def.kind == Definition::Kind::Param) param_names.push_back(name);
  for (const auto& [name, text] : options_.overrides) {
    auto it = global_->definitions.find(name);
    if (it == global_->definitions.end() || it->second.kind != Definition::Kind::Param) {
      auto builder = diagnostics_.report(DiagnosticKind::UnknownOverride, Span{},
                                         "`-p " + name + "=" + text + "` names no param");
      std::string near = nearest_name(name, param_names);
      if (!near.empty()) builder.help("a param named `" + near + "` exists");
      else if (param_names.empty()) builder.note("the pipeline declares no params");
    }
  }
  for (const auto& [name, entry] : config_params_) {
    auto it = global_->definitions.find(name);
    if (it == global_->definitions.end() || it->second.kind != Definition::Kind::Param) {
      auto builder = diagnostics_.report(DiagnosticKind::UnknownOverride, entry.second,
                                         "`[params]` sets `" + name + "`, which is no param");
      std::string near = nearest_name(name, param_names);
      if (!near.empty()) builder.help("a param named `" + near + "` exists");
    }
  }

  // The root seed.
  if (seed_decl_) {
    const auto& seed = std::get<ast::SeedDecl>(seed_decl_->node);
    Value value = eval(*seed.value, *global_);
    if (value.kind == Value::Kind::Int && value.integer >= 0) {
      graph_.root_seed = value.integer;
    } else if (!value.poisoned) {
      diagnostics_.report(DiagnosticKind::TypeMismatch, seed.value->span,
                          "`seed` needs a non-negative int, found " + describe(value))
          .primary_label("expected a non-negative int");
    }
  }
  if (pipeline_decl_) {
    graph_.pipeline = std::get<ast::PipelineDecl>(pipeline_decl_->node).name.name;
  } else {
    graph_.pipeline = fs::path(options_.main_file).stem().string();
  }

  evaluate_scope(*global_);
  for (std::size_t i = 0; i < sweeps_.size(); ++i) {
    // expand_sweep may append nested sweeps; index-based on purpose.
    PendingDecl pending = sweeps_[i];
    expand_sweep(std::get<ast::SweepDecl>(pending.decl->node), *pending.scope);
  }
  for (const auto& pending : expects_)
    check_expect(std::get<ast::ExpectDecl>(pending.decl->node), *pending.scope, pending.decl->span);
  for (const auto& pending : exports_)
    check_export(std::get<ast::ExportDecl>(pending.decl->node), *pending.scope);

  if (any_random_ && !seed_decl_) {
    diagnostics_.report(DiagnosticKind::MissingSeed, Span{main_file_, 0, 0},
                        "the pipeline draws random numbers but declares no `seed`")
        .note("the root seed defaults to 0")
        .help("add `seed 42` (any non-negative int) to make the choice explicit");
  }
  if (!syntax_errors) report_unused();  // half-parsed files would warn about the wrong things
  digests_->save();

  if (diagnostics_.has_errors()) return std::nullopt;
  return std::move(graph_);
}

namespace {

std::string absolute_path_of(const std::string& path) {
  std::error_code ec;
  std::string absolute = fs::weakly_canonical(fs::absolute(path, ec), ec).string();
  return absolute.empty() ? path : absolute;
}

}  // namespace

bool Checker::load_modules() {
  // The chain of files being loaded, the main file first: a worklist rather than recursion,
  // so that an import chain thousands of files deep cannot exhaust the stack.
  struct Loading {
    std::string absolute;
    std::vector<std::pair<std::string, Span>> imports;  // target path, span of the import
    std::size_t next = 0;
  };
  std::vector<Loading> chain;
  std::set<std::string> on_chain;

  // Loads one file and pushes it on the chain; false when it was not loaded.
  auto enter = [&](const std::string& path, Span import_span) {
    std::string absolute = absolute_path_of(path);
    if (on_chain.count(absolute)) {
      std::string cycle;
      auto first = std::find_if(chain.begin(), chain.end(),
                                [&](const Loading& l) { return l.absolute == absolute; });
      for (auto it = first; it != chain.end(); ++it)
        cycle += fs::path(it->absolute).filename().string() + " → ";
      cycle += fs::path(absolute).filename().string();
      diagnostics_.report(DiagnosticKind::ImportCycle, import_span,
                          "`" + fs::path(absolute).filename().string() + "` imports itself")
          .primary_label("this import closes the cycle")
          .note("the cycle: " + cycle);
      return false;
    }
    if (!loaded_files_.insert(absolute).second) return true;
    const ast::Module* module = load_file(path, absolute, import_span, chain.empty());
    if (!module) return false;
    Loading loading;
    loading.absolute = absolute;
    for (const auto& decl : module->decls) {
      const auto* import = std::get_if<ast::ImportDecl>(&decl->node);
      if (!import) continue;
      fs::path target = fs::path(import->path.value);
      if (target.is_relative()) target = fs::path(absolute).parent_path() / target;
      loading.imports.emplace_back(target.string(), import->path_span);
    }
    on_chain.insert(absolute);
    chain.push_back(std::move(loading));
    return true;
  };

  if (!enter(options_.main_file, Span{})) return false;
  while (!chain.empty()) {
    Loading& top = chain.back();
    if (top.next == top.imports.size()) {
      on_chain.erase(top.absolute);
      chain.pop_back();
      continue;
    }
    auto [target, span] = top.imports[top.next++];  // a copy: enter() grows `chain`
    note_import(target, span);
    enter(target, span);
  }
  return true;
}

const ast::Module* Checker::load_file(const std::string& path, const std::string& absolute,
                                      Span import_span, bool is_main) {
  std::string text;
  if (is_main && options_.has_main_text) {
    text = options_.main_text;
  } else {
    SourceRead read = read_source_file(absolute, options_.max_source_bytes);
    if (auto* error = std::get_if<SourceReadError>(&read)) {
      report_unreadable(*error, path, import_span, is_main);
      return nullptr;
    }
    text = std::move(std::get<std::string>(read));
  }
  // Show paths as the user wrote them for the main file, absolute for imports.
  std::string shown = path;
  if (!is_main) {
    // Imports are shown relative to the working folder when they lie below it.
    std::error_code ec;
    std::string relative = fs::path(absolute).lexically_relative(fs::current_path(ec)).string();
    shown = relative.empty() || relative.rfind("..", 0) == 0 ? absolute : relative;
  }
  const SourceFile& file = sources_.add(shown, std::move(text));
  if (is_main) main_file_ = file.id();
  ParseLimits limits;
  limits.max_bytes = options_.max_source_bytes;
  modules_.push_back(parse_module(file, diagnostics_, limits));
  return &modules_.back();
}

void Checker::report_unreadable(const SourceReadError& error, const std::string& path,
                                Span import_span, bool is_main) {
  using Kind = SourceReadError::Kind;
  std::string why = error.kind == Kind::NotRegular ? error.reason + ", not a regular file"
                                                   : error.reason;
  std::string limit = std::to_string(options_.max_source_bytes);
  if (is_main) {
    if (error.kind == Kind::TooLarge) {
      diagnostics_.report(DiagnosticKind::SourceTooLarge, Span{},
                          "source file `" + path + "` is " + std::to_string(error.size) +
                              " bytes, more than the limit of " + limit)
          .note(error.reason.empty() ? "its size was checked before reading it" : error.reason)
          .help("split the pipeline into several files joined with `import`, or raise the "
                "limit with `--max-source-bytes`");
    } else {
      diagnostics_.report(DiagnosticKind::SourceUnreadable, Span{},
                          "cannot read `" + path + "`: " + why);
    }
    return;
  }
  const SourceFile& importer = sources_.file(import_span.file);
  std::string written =
      importer.text().substr(import_span.begin + 1, import_span.end - import_span.begin - 2);
  if (error.kind == Kind::TooLarge) {
    diagnostics_.report(DiagnosticKind::SourceTooLarge, import_span,
                        "the imported file `" + written + "` is " + std::to_string(error.size) +
                            " bytes, more than the limit of " + limit)
        .primary_label(error.reason.empty() ? "too large" : "too large: " + error.reason)
        .help("split it into several files, or raise the limit with `--max-source-bytes`");
    return;
  }
  auto builder = diagnostics_.report(DiagnosticKind::ImportNotFound, import_span,
                                     "cannot read the imported file `" + written + "`");
  builder.primary_label(why);
  if (error.kind == Kind::NotRegular) builder.note("only regular files are read as sources");
  else builder.note("imports are resolved relative to the importing file's folder");
}

void Checker::declare(const ast::Decl& decl, Scope& scope, bool from_main) {
  auto define = [&](Definition::Kind kind, const ast::Identifier& name) {
    auto [it, inserted] = scope.definitions.try_emplace(name.name);
    if (!inserted) {
      diagnostics_.report(DiagnosticKind::DuplicateDefinition, name.span,
                          "`" + name.name + "` is defined twice")
          .primary_label("second definition")
          .label(it->second.name_span, "first defined here")
          .help("rename one of them; names must be unique in a file and its imports");
      return;
    }
    Definition& def = it->second;
    def.kind = kind;
    def.name = name.name;
    def.name_span = name.span;
    def.decl = &decl;
    def.scope = &scope;
    def.from_main_file = from_main;
    scope.order.push_back(name.name);
  };
  auto once = [&](const ast::Decl*& slot, const char* keyword) {
    if (slot) {
      diagnostics_.report(DiagnosticKind::DuplicateDeclaration, decl.span,
                          std::string("`") + keyword + "` may be declared only once")
          .primary_label("second declaration")
          .label(slot->span, "first declared here");
      return;
    }
    slot = &decl;
  };

  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, ast::PipelineDecl>) {
          once(pipeline_decl_, "pipeline");
        } else if constexpr (std::is_same_v<T, ast::SeedDecl>) {
          once(seed_decl_, "seed");
        } else if constexpr (std::is_same_v<T, ast::ParamDecl>) {
          define(Definition::Kind::Param, node.name);
        } else if constexpr (std::is_same_v<T, ast::BindingDecl>) {
          define(Definition::Kind::Binding, node.name);
        } else if constexpr (std::is_same_v<T, ast::ExpectDecl>) {
          expects_.push_back({&decl, &scope});
        } else if constexpr (std::is_same_v<T, ast::ExportDecl>) {
          exports_.push_back({&decl, &scope});
        } else if constexpr (std::is_same_v<T, ast::SweepDecl>) {
          sweeps_.push_back({&decl, &scope});
        } else if constexpr (std::is_same_v<T, ast::ImportDecl>) {
          // Loaded before declarations are collected (load_module).
        }
      },
      decl.node);
}

void Checker::evaluate_scope(Scope& scope) {
  for (const auto& name : scope.order) evaluate_definition(scope.definitions.at(name));
}

void Checker::evaluate_definition(Definition& def) {
  if (def.state == Definition::State::Done) return;
  if (def.state == Definition::State::Running) {
    // Reported by the reference that re-entered (eval_name), which knows the path.
    return;
  }
  def.state = Definition::State::Running;
  evaluating_.push_back(&def);
  if (def.kind == Definition::Kind::Param) {
    def.value = evaluate_param(def);
  } else if (def.kind == Definition::Kind::Binding) {
    const auto& binding = std::get<ast::BindingDecl>(def.decl->node);
    Value value = eval(*binding.value, *def.scope);
    std::string label = def.name + def.scope->suffix;
    auto wrong = [&](const char* wanted) {
      diagnostics_.report(DiagnosticKind::TypeMismatch, binding.value->span,
                          std::string("`") + ast::binding_keyword(binding.kind) + " " + def.name +
                              "` needs " + wanted + ", found " + describe(value))
          .primary_label(std::string("expected ") + wanted);
      value = Value::error(binding.value->span);
    };
    if (!value.poisoned) {
      switch (binding.kind) {
        case ast::BindingKind::Dataset:
          if (!is_dataset(value)) wrong("a dataset");
          break;
        case ast::BindingKind::Augment:
          if (auto chain = as_chain(value, binding.value->span, "augment")) value = *chain;
          else value = Value::error(binding.value->span);
          break;
        case ast::BindingKind::Model:
          if (value.kind == Value::Kind::Op && value.op->op &&
              (value.op->op->kind == OpKind::Layer || value.op->op->kind == OpKind::Block)) {
            Value model;
            model.kind = Value::Kind::Model;
            model.ops = {value.op};
            model.span = value.span;
            value = model;
          }
          if (value.kind != Value::Kind::Model) wrong("a model (`sequential [...]`)");
          break;
        case ast::BindingKind::Stage:
          if (value.kind != Value::Kind::Node) wrong("a stage (`train(...)`, `evaluate(...)`)");
          break;
      }
    }
    if (value.kind == Value::Kind::Node && !value.poisoned) {
      Node& node = graph_.nodes[value.node];
      if (node.label.empty() || node.label.find('.') != std::string::npos) {
        node.label = label;
        node.span = def.name_span;
        node.sweep_values = def.scope->sweep_values;
      }
    }
    def.value = value;
  }
  evaluating_.pop_back();
  def.state = Definition::State::Done;
}

void Checker::expand_sweep(const ast::SweepDecl& sweep, Scope& scope) {
  Value values = eval(*sweep.values, scope);
  if (values.poisoned) return;
  if (values.kind != Value::Kind::List) {
    diagnostics_.report(DiagnosticKind::TypeMismatch, sweep.values->span,
                        "`sweep` needs a list of values, found " + describe(values))
        .primary_label("expected a list such as `[1e-3, 3e-4]`");
    return;
  }
  if (values.items.empty()) {
    diagnostics_.report(DiagnosticKind::EmptySweep, sweep.values->span,
                        "`sweep " + sweep.variable.name + "` has no values")
        .primary_label("empty list");
    return;
  }
  for (const Value& item : values.items) {
    if (item.kind == Value::Kind::Int || item.kind == Value::Kind::Float ||
        item.kind == Value::Kind::Bool || item.kind == Value::Kind::String)
      continue;
    diagnostics_.report(DiagnosticKind::NotConstant, item.span,
                        "sweep values must be constants, found " + describe(item));
    return;
  }
  for (const Value& item : values.items) {
    scopes_.emplace_back();
    Scope& instance = scopes_.back();
    instance.parent = &scope;
    instance.sweep_values = scope.sweep_values;
    instance.sweep_values.emplace_back(sweep.variable.name, value_text(item));
    std::string suffix;
    for (const auto& [name, text] : instance.sweep_values)
      suffix += (suffix.empty() ? "" : ",") + name + "=" + text;
    instance.suffix = "[" + suffix + "]";
    Definition& var = instance.definitions[sweep.variable.name];
    var.kind = Definition::Kind::SweepVariable;
    var.name = sweep.variable.name;
    var.name_span = sweep.variable.span;
    var.scope = &instance;
    var.state = Definition::State::Done;
    var.value = item;
    for (const auto& decl : sweep.body) declare(*decl, instance, true);
    evaluate_scope(instance);
  }
}

void Checker::check_expect(const ast::ExpectDecl& expect, Scope& scope, Span decl_span) {
  std::vector<const ast::Expr*> terms;
  std::vector<const ast::Expr*> work{expect.condition.get()};
  while (!work.empty()) {
    const ast::Expr* e = work.back();
    work.pop_back();
    if (auto* b = std::get_if<ast::Binary>(&e->node); b && b->op == ast::BinaryOp::And) {
      work.push_back(b->rhs.get());
      work.push_back(b->lhs.get());
    } else {
      terms.push_back(e);
    }
  }
  for (const ast::Expr* term : terms) {
    auto* b = std::get_if<ast::Binary>(&term->node);
    static const std::map<ast::BinaryOp, std::pair<const char*, const char*>> kComparisons = {
        {ast::BinaryOp::Less, {"<", ">"}},         {ast::BinaryOp::LessEqual, {"<=", ">="}},
        {ast::BinaryOp::Greater, {">", "<"}},      {ast::BinaryOp::GreaterEqual, {">=", "<="}},
        {ast::BinaryOp::Equal, {"==", "=="}},      {ast::BinaryOp::NotEqual, {"!=", "!="}}};
    auto comparison = b ? kComparisons.find(b->op) : kComparisons.end();
    if (comparison == kComparisons.end()) {
      diagnostics_.report(DiagnosticKind::InvalidGate, term->span,
                          "`expect` needs a comparison such as `score.accuracy >= 0.9`")
          .primary_label("not a comparison")
          .note("several comparisons may be joined with `and`");
      continue;
    }
    Value lhs = eval(*b->lhs, scope);
    Value rhs = eval(*b->rhs, scope);
    if (lhs.poisoned || rhs.poisoned) continue;
    bool flipped = false;
    if (lhs.kind != Value::Kind::Field && rhs.kind == Value::Kind::Field) {
      std::swap(lhs, rhs);
      flipped = true;
    }
    if (lhs.kind != Value::Kind::Field || !rhs.is_number()) {
      diagnostics_.report(DiagnosticKind::InvalidGate, term->span,
                          "`expect` compares a stage result field with a number")
          .primary_label("found " + describe(lhs) + " and " + describe(rhs))
          .help("write e.g. `expect score.accuracy >= 0.9`");
      continue;
    }
    Gate gate;
    gate.node = lhs.node;
    gate.field = lhs.text;
    gate.comparison = flipped ? comparison->second.second : comparison->second.first;
    gate.threshold = rhs.as_real();
    gate.span = term->span;
    const SourceFile& file = sources_.file(term->span.file);
    gate.text = file.text().substr(term->span.begin, term->span.end - term->span.begin);
    graph_.gates.push_back(gate);
  }
  (void)decl_span;
}

void Checker::check_export(const ast::ExportDecl& exported, Scope& scope) {
  Value value = eval(*exported.value, scope);
  if (value.poisoned) return;
  if (value.kind != Value::Kind::Node) {
    diagnostics_.report(DiagnosticKind::TypeMismatch, exported.value->span,
                        "`export` needs a stage or dataset, found " + describe(value))
        .primary_label("nothing to export");
    return;
  }
  if (exported.path.value.empty()) {
    diagnostics_.report(DiagnosticKind::TypeMismatch, exported.path_span,
                        "`export` needs a file path, found an empty string");
    return;
  }
  Export out;
  out.node = value.node;
  fs::path target(exported.path.value);
  if (target.is_relative()) {
    fs::path base = fs::path(sources_.file(exported.path_span.file).path()).parent_path();
    std::error_code ec;
    target = fs::absolute(base / target, ec);
  }
  if (!export_admitted(target.string(), exported.path_span)) return;
  out.path = relative_to(target.lexically_normal().string(), project_.root);
  out.span = exported.path_span;
  graph_.exports.push_back(out);
}

void Checker::report_unused() {
  for (const Scope& scope : scopes_) {
    for (const auto& name : scope.order) {
      const Definition& def = scope.definitions.at(name);
      if (!def.from_main_file || !def.decl || used_.count(def.decl)) continue;
      if (def.value.poisoned) continue;  // already reported; "unused" would be noise
      if (def.kind == Definition::Kind::Binding &&
          std::get<ast::BindingDecl>(def.decl->node).kind == ast::BindingKind::Stage)
        continue;  // stages are what a pipeline runs: they are used by being there
      used_.insert(def.decl);  // once per declaration, not once per sweep instance
      const char* what = def.kind == Definition::Kind::Param
                             ? "param"
                             : ast::binding_keyword(std::get<ast::BindingDecl>(def.decl->node).kind);
      diagnostics_.report(DiagnosticKind::UnusedDefinition, def.name_span,
                          std::string(what) + " `" + def.name + "` is never used")
          .help("remove it, or use it in a stage");
    }
  }
}

}  // namespace sema_detail
}  // namespace mlf
