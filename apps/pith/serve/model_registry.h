// The models `pith serve` serves: loaded from .pith files and model repositories
// (<repo>/<name>/<version>/model.pith), published as an immutable snapshot behind one atomic
// shared_ptr. Requests read the snapshot without a lock and keep the models they use alive; the
// reloader builds a new snapshot and swaps it in, so a reload never fails a request in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics.h"
#include "pith/model.h"
#include "pith/predict.h"

namespace pith::serve {

// A model source given on the command line or in the config file.
struct ModelSource {
  std::string name;  // empty for a repository (names come from its folders)
  std::filesystem::path path;
  bool repository = false;
  // Overrides of the file's input schema (config file only): the dtype the model computes in
  // and the feature names its metadata shows.
  std::optional<DType> dtype;
  std::vector<std::string> feature_names;
};

inline ModelSource model_file(std::string name, std::filesystem::path path) {
  ModelSource source;
  source.name = std::move(name);
  source.path = std::move(path);
  return source;
}

inline ModelSource model_repository(std::filesystem::path path) {
  ModelSource source;
  source.path = std::move(path);
  source.repository = true;
  return source;
}

// What identifies one version of a file on disk: a changed stamp means "load it again".
struct FileStamp {
  std::int64_t mtime_ns = -1;
  std::int64_t size = -1;
  bool operator==(const FileStamp&) const = default;
};

// One loaded model version, immutable once published.
struct Servable {
  std::string name;
  std::int64_t version = 1;
  std::string version_text;  // "1"
  std::filesystem::path path;
  FileStamp stamp;
  Model model;
  std::vector<OutputSpec> outputs;       // the default first
  const ClassLabels* classes = nullptr;  // into `model`, for class-index outputs
  bool accepts_missing = false;          // NaN allowed in requests (tree ensembles)
  ModelStats* stats = nullptr;           // owned by Metrics, shared by every version
};

using ServablePtr = std::shared_ptr<const Servable>;

// Every model's versions, the latest last.
struct Snapshot {
  std::map<std::string, std::map<std::int64_t, ServablePtr>, std::less<>> models;
};

// Why a lookup failed: kNotFound with a message that lists what exists.
struct LookupResult {
  ServablePtr servable;
  std::string error;  // set when servable is null
};

class ModelRegistry {
 public:
  ModelRegistry(std::vector<ModelSource> sources, Metrics* metrics);

  // Loads every source. Throws pith::Error naming the file for a --model file that does not
  // load, or a source that yields no model at all; a bad version in a repository is logged
  // and skipped.
  void load_initial();

  // Looks for changed files, new and removed versions, loads what changed and swaps in a new
  // snapshot if anything did. A file that fails to load is logged and the version it would have
  // replaced keeps serving; it is tried again when its stamp changes. Called by one thread.
  void poll();

  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(); }

  // `version` empty: the latest version.
  LookupResult find(std::string_view name, std::string_view version) const;

 private:
  // Where each (name, version) comes from on disk right now.
  struct FileEntry {
    std::string name;
    std::int64_t version;
    std::filesystem::path path;
    const ModelSource* source;
  };
  std::vector<FileEntry> scan() const;
  ServablePtr load(const FileEntry& entry, const FileStamp& stamp) const;

  std::vector<ModelSource> sources_;
  Metrics* metrics_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  // The stamp of the last failed attempt per path, so a bad file is logged once, not every poll.
  std::map<std::filesystem::path, FileStamp> failed_;
};

// The stamp of a file, or {-1, -1} if it cannot be read.
FileStamp file_stamp(const std::filesystem::path& path);

}  // namespace pith::serve
