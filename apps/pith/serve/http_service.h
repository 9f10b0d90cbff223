// The Open Inference Protocol's REST/JSON binding and /metrics, on cpp-httplib.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "inference.h"
#include "server_state.h"

namespace httplib {
class Server;
}

namespace pith::serve {

class HttpFrontEnd {
 public:
  explicit HttpFrontEnd(ServerState* state);
  ~HttpFrontEnd();
  HttpFrontEnd(const HttpFrontEnd&) = delete;
  HttpFrontEnd& operator=(const HttpFrontEnd&) = delete;

  // Binds host:port (0: any free port) and returns the port; throws pith::Error(kIO) if it cannot.
  int bind(const std::string& host, int port);
  // Serves until stop(); in-flight requests finish before it returns.
  void run();
  void stop();

 private:
  ServerState* state_;
  std::unique_ptr<httplib::Server> server_;
};

// The parts of the REST binding that do not need a socket, for tests.

// Decodes an inference request body into `input` (values land in `values32`/`values64`) and the
// requested output names; throws RequestError(kInvalidArgument) for malformed JSON or a body
// that is not the protocol's shape.
struct JsonInferRequest {
  std::string id;
  std::string input_name;
  std::string datatype;
  std::vector<std::int64_t> shape;
  std::vector<float> values32;
  std::vector<double> values64;
  std::vector<std::string> outputs;
};
void parse_infer_json(std::string_view body, JsonInferRequest* request);
InferInput json_input(const JsonInferRequest& request);

// The JSON answer to an inference request.
std::string infer_response_json(const Servable& model, const std::string& id,
                                const std::vector<InferOutput>& outputs);

// {"error": "..."} with the message escaped.
std::string error_json(std::string_view message);

int http_status(Outcome outcome);

}  // namespace pith::serve
