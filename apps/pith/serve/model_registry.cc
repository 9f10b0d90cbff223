// Loading, scanning and hot-swapping the served models.
#include "model_registry.h"

#include <sys/stat.h>

#include <charconv>
#include <system_error>
#include <utility>

#include "log.h"
#include "pith/error.h"
#include "pith/model_io.h"
#include "pith/predict.h"

namespace pith::serve {
namespace {

// A version folder's name: a positive integer (TensorFlow Serving / Triton layout).
bool parse_version(const std::string& text, std::int64_t* version) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, *version);
  return result.ec == std::errc() && result.ptr == end && *version > 0;
}

std::string list_names(const Snapshot& snapshot) {
  std::string out;
  for (const auto& [name, versions] : snapshot.models) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

FileStamp file_stamp(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
          static_cast<std::int64_t>(info.st_size)};
}

ModelRegistry::ModelRegistry(std::vector<ModelSource> sources, Metrics* metrics)
    : sources_(std::move(sources)), metrics_(metrics) {
  snapshot_.store(std::make_shared<const Snapshot>());
}

std::vector<ModelRegistry::FileEntry> ModelRegistry::scan() const {
  std::vector<FileEntry> entries;
  for (const ModelSource& source : sources_) {
    if (!source.repository) {
      entries.push_back({source.name, 1, source.path, &source});
      continue;
    }
    std::error_code ec;
    for (const auto& model_dir : std::filesystem::directory_iterator(source.path, ec)) {
      if (!model_dir.is_directory(ec)) continue;
      const std::string name = model_dir.path().filename().string();
      if (name.starts_with(".")) continue;
      std::error_code inner;
      for (const auto& version_dir : std::filesystem::directory_iterator(model_dir, inner)) {
        std::int64_t version = 0;
        if (!version_dir.is_directory(inner)) continue;
        if (!parse_version(version_dir.path().filename().string(), &version)) continue;
        const std::filesystem::path file = version_dir.path() / "model.pith";
        if (std::filesystem::exists(file, inner)) entries.push_back({name, version, file, &source});
      }
    }
  }
  return entries;
}

ServablePtr ModelRegistry::load(const FileEntry& entry, const FileStamp& stamp) const {
  std::vector<std::string> warnings;
  auto servable = std::make_shared<Servable>();
  servable->name = entry.name;
  servable->version = entry.version;
  servable->version_text = std::to_string(entry.version);
  servable->path = entry.path;
  servable->stamp = stamp;
  servable->model = load_model(entry.path, &warnings);
  if (!entry.source->feature_names.empty()) {
    const std::size_t n_features = servable->model.input.n_features;
    if (entry.source->feature_names.size() != n_features) {
      throw Error(ErrorCode::kInvalidArgument,
                  "the config gives " + std::to_string(entry.source->feature_names.size()) +
                      " feature names, the model has " + std::to_string(n_features) + " features");
    }
    servable->model.input.feature_names = entry.source->feature_names;
  }
  if (entry.source->dtype) servable->model.input.dtype = *entry.source->dtype;
  for (const std::string& warning : warnings) {
    log(LogLevel::kWarning, "model file warning",
        {field("model", entry.name), field("path", entry.path.string()),
         field("warning", warning)});
  }
  servable->outputs = model_outputs(servable->model);
  servable->classes = model_classes(servable->model);
  servable->accepts_missing = accepts_missing(servable->model);
  prepare(servable->model);  // so the first request after a (re)load does not pay for it
  servable->stats = metrics_->model(entry.name);
  return servable;
}

void ModelRegistry::load_initial() {
  for (const ModelSource& source : sources_) {
    std::error_code ec;
    if (source.repository && !std::filesystem::is_directory(source.path, ec)) {
      throw Error(ErrorCode::kIO,
                  "model repository '" + source.path.string() + "' is not a readable folder");
    }
  }
  poll();
  const std::shared_ptr<const Snapshot> current = snapshot();
  for (const ModelSource& source : sources_) {
    if (!source.repository && !current->models.contains(source.name)) {
      // poll() logged the reason; the operator asked for this file explicitly, so it is fatal.
      std::string message = "model '";
      message += source.name;
      message += "': cannot load '";
      message += source.path.string();
      message += "' (see the log above)";
      throw Error(ErrorCode::kFormat, message);
    }
  }
  if (current->models.empty()) {
    throw Error(ErrorCode::kIO,
                "no model to serve: the repositories hold no <name>/<version>/"
                "model.pith that loads");
  }
}

void ModelRegistry::poll() {
  const std::shared_ptr<const Snapshot> current = snapshot();
  const bool initial = current->models.empty();
  auto next = std::make_shared<Snapshot>();
  bool changed = false;
  for (const FileEntry& entry : scan()) {
    const FileStamp stamp = file_stamp(entry.path);
    ServablePtr existing;
    if (const auto m = current->models.find(entry.name); m != current->models.end()) {
      if (const auto v = m->second.find(entry.version); v != m->second.end()) existing = v->second;
    }
    ServablePtr chosen = existing;
    const auto failed = failed_.find(entry.path);
    const bool known_bad = failed != failed_.end() && failed->second == stamp;
    if ((!existing || existing->stamp != stamp) && !known_bad) {
      try {
        chosen = load(entry, stamp);
        failed_.erase(entry.path);
        changed = true;
        if (!initial) chosen->stats->reloads_ok.fetch_add(1);
        log(LogLevel::kInfo, existing ? "model reloaded" : "model loaded",
            {field("model", entry.name), field("version", static_cast<long long>(entry.version)),
             field("path", entry.path.string()),
             field("kind", std::string(estimator_kind(chosen->model.estimator)))});
      } catch (const std::exception& e) {
        failed_[entry.path] = stamp;
        if (!initial) metrics_->model(entry.name)->reloads_failed.fetch_add(1);
        log(LogLevel::kError,
            existing ? "model file does not load; the previous one keeps serving"
                     : "model file does not load; not serving it",
            {field("model", entry.name), field("version", static_cast<long long>(entry.version)),
             field("path", entry.path.string()), field("error", e.what())});
      }
    }
    if (chosen) next->models[entry.name][entry.version] = std::move(chosen);
  }
  // Versions whose files disappeared are unloaded; a model that lost every version keeps its
  // last ones rather than vanishing under its clients (a model is never unloaded while serving).
  for (const auto& [name, versions] : current->models) {
    const auto now = next->models.find(name);
    if (now == next->models.end()) {
      next->models[name] = versions;
    } else if (now->second.size() != versions.size()) {
      changed = true;
    }
  }
  if (changed) snapshot_.store(std::move(next));
}

LookupResult ModelRegistry::find(std::string_view name, std::string_view version) const {
  const std::shared_ptr<const Snapshot> current = snapshot_.load();
  const auto m = current->models.find(name);
  if (m == current->models.end()) {
    if (name.empty()) return {nullptr, "the request names no model (model_name is empty)"};
    std::string error = "unknown model '";
    error += name;
    error += "'; this server serves: ";
    error += list_names(*current);
    return {nullptr, error};
  }
  if (version.empty()) return {m->second.rbegin()->second, {}};
  std::int64_t number = 0;
  if (parse_version(std::string(version), &number)) {
    if (const auto v = m->second.find(number); v != m->second.end()) return {v->second, {}};
  }
  std::string error = "model '";
  error += name;
  error += "' has no version '";
  error += version;
  error += "'; its versions: ";
  bool first = true;
  for (const auto& [number_, servable] : m->second) {
    if (!first) error += ", ";
    error += servable->version_text;
    first = false;
  }
  return {nullptr, error};
}

}  // namespace pith::serve
