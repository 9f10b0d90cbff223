"""The baseline of bench/bench_serve.py: a Python grpcio server of the Open Inference Protocol's
ModelInfer wrapping a K-Means model, as the classic experiment wrote it (a thread pool of
workers, numpy on the raw tensor bytes, the model's predict). --backend sklearn unpickles a
scikit-learn KMeans; --backend pith loads a .pith file into pith's Python KMeans.

    python bench/py_grpc_server.py --backend sklearn --model km.pkl --port 50051

On SIGTERM prints {"ok": N, "errors": M} on stdout and exits.
"""

import argparse
import json
import pickle
import signal
import threading
from concurrent import futures

import grpc
import numpy as np
from tritonclient.grpc import service_pb2, service_pb2_grpc

DTYPES = {"FP32": np.float32, "FP64": np.float64}


class Servicer(service_pb2_grpc.GRPCInferenceServiceServicer):
    def __init__(self, name, model):
        self.name, self.model = name, model
        self.lock = threading.Lock()
        self.ok = self.errors = 0

    def ServerLive(self, request, context):
        return service_pb2.ServerLiveResponse(live=True)

    def ServerReady(self, request, context):
        return service_pb2.ServerReadyResponse(ready=True)

    def ModelInfer(self, request, context):
        try:
            tensor = request.inputs[0]
            X = np.frombuffer(request.raw_input_contents[0], dtype=DTYPES[tensor.datatype])
            X = X.reshape(tuple(tensor.shape))
            labels = self.model.predict(X).astype(np.int32)
            response = service_pb2.ModelInferResponse(model_name=self.name, model_version="1")
            response.outputs.add(name="predict", datatype="INT32", shape=[len(labels)])
            response.raw_output_contents.append(labels.tobytes())
            with self.lock:
                self.ok += 1
            return response
        except Exception as error:  # noqa: BLE001 - count and report every failure
            with self.lock:
                self.errors += 1
            context.abort(grpc.StatusCode.INTERNAL, str(error))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sklearn", "pith"], required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    if args.backend == "sklearn":
        with open(args.model, "rb") as f:
            model = pickle.load(f)
    else:
        import pith

        model = pith.load(args.model)
        model.set_params(n_threads=1)  # one request per worker thread
    servicer = Servicer("km", model)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers),
                         options=[("grpc.max_receive_message_length", 64 << 20)])
    service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(json.dumps({"serving": args.port}), flush=True)
    done.wait()
    server.stop(5).wait()
    print(json.dumps({"ok": servicer.ok, "errors": servicer.errors}), flush=True)


if __name__ == "__main__":
    main()
