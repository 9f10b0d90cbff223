"""`pith serve` end to end: every REST and gRPC endpoint with real clients (requests,
tritonclient, grpcio), and the bad-input table: each a clear error, the server healthy after."""

import json

import grpc
import numpy as np
import pytest
import requests
import tritonclient.grpc as triton
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

from pith.cluster import KMeans
from serve_support import Server

INFER = "/inference.GRPCInferenceService/ModelInfer"
HEALTH = "/grpc.health.v1.Health/Check"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two K-Means models: float64 (4 features) and float32 (3 features), and their data."""
    out = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(0)
    X64 = rng.normal(size=(300, 4))
    km64 = KMeans(n_clusters=5, random_state=0).fit(X64)
    km64.save(out / "km64.pith")
    X32 = rng.normal(size=(300, 3)).astype(np.float32)
    km32 = KMeans(n_clusters=3, random_state=0).fit(X32)
    km32.save(out / "km32.pith")
    return {"dir": out, "km64": km64, "km32": km32, "X64": X64, "X32": X32}


@pytest.fixture(scope="module")
def server(models):
    with Server("--model", f"km64={models['dir'] / 'km64.pith'}",
                "--model", f"km32={models['dir'] / 'km32.pith'}",
                "--max-message-bytes", 1 << 20) as running:
        yield running


def assert_healthy(server):
    assert requests.get(server.http_url + "/v2/health/ready", timeout=5).json() == {"ready": True}
    client = triton.InferenceServerClient(server.grpc_url)
    assert client.is_server_live() and client.is_server_ready()


def rest_infer(server, model, body, version=None):
    path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(server.http_url + path, data=data, timeout=30)


# --- REST -----------------------------------------------------------------------------------


def test_rest_health_and_metadata(server):
    base = server.http_url
    assert requests.get(base + "/v2/health/live").json() == {"live": True}
    assert requests.get(base + "/v2/health/ready").json() == {"ready": True}
    meta = requests.get(base + "/v2").json()
    assert meta["name"] == "pith" and "version" in meta
    model = requests.get(base + "/v2/models/km64").json()
    assert model == requests.get(base + "/v2/models/km64/versions/1").json()
    assert model["platform"] == "pith:kmeans" and model["versions"] == ["1"]
    assert model["inputs"] == [{"name": "input", "datatype": "FP64", "shape": [-1, 4]}]
    assert model["outputs"] == [
        {"name": "predict", "datatype": "INT32", "shape": [-1]},
        {"name": "transform", "datatype": "FP64", "shape": [-1, 5]},
    ]
    ready = requests.get(base + "/v2/models/km32/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert requests.get(base + "/v2/models/km32/versions/1/ready").status_code == 200


def test_rest_infer_batch_and_single_row(server, models):
    X, km = models["X64"][:7], models["km64"]
    response = rest_infer(server, "km64", {
        "id": "req-1",
        "inputs": [{"name": "input", "shape": [7, 4], "datatype": "FP64", "data": X.tolist()}],
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == "km64" and body["model_version"] == "1" and body["id"] == "req-1"
    outputs = {o["name"]: o for o in body["outputs"]}
    assert outputs["predict"]["shape"] == [7] and outputs["predict"]["datatype"] == "INT32"
    np.testing.assert_array_equal(outputs["predict"]["data"], km.predict(X))
    assert outputs["transform"]["shape"] == [7, 5]
    np.testing.assert_allclose(np.reshape(outputs["transform"]["data"], (7, 5)), km.transform(X),
                               rtol=1e-12)
    # One row as shape [n_features], flat data, only the output asked for.
    single = rest_infer(server, "km64", {
        "inputs": [{"name": "x", "shape": [4], "datatype": "FP64", "data": X[3].tolist()}],
        "outputs": [{"name": "predict"}],
    }).json()
    assert [o["name"] for o in single["outputs"]] == ["predict"]
    assert single["outputs"][0]["data"] == [int(km.predict(X[3:4])[0])]


def test_rest_float32_model_takes_fp32_and_fp64(server, models):
    X, km = models["X32"][:5], models["km32"]
    for datatype in ("FP32", "FP64"):
        body = rest_infer(server, "km32", {
            "inputs": [{"name": "input", "shape": [5, 3], "datatype": datatype,
                        "data": X.ravel().tolist()}],
            "outputs": [{"name": "predict"}]}).json()
        np.testing.assert_array_equal(body["outputs"][0]["data"], km.predict(X))


def test_metrics(server, models):
    rest_infer(server, "km64", {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64",
                                             "data": [1, 2, 3, 4]}]})
    rest_infer(server, "nope", {})
    text = requests.get(server.http_url + "/metrics").text
    assert 'pith_requests_total{model="km64",protocol="http",outcome="ok"}' in text
    assert 'outcome="not_found"' in text
    assert 'pith_request_duration_seconds_bucket{model="km64",le="+Inf"}' in text
    assert 'pith_batch_rows_count{model="km64"}' in text
    assert "pith_inflight_requests " in text
    for line in text.splitlines():  # every sample line is "name{labels} number"
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


# --- gRPC -----------------------------------------------------------------------------------


def test_grpc_with_triton_client(server, models):
    client = triton.InferenceServerClient(server.grpc_url)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("km64") and client.is_model_ready("km64", "1")
    with pytest.raises(InferenceServerException):
        client.is_model_ready("nope")
    meta = client.get_server_metadata()
    assert meta.name == "pith"
    model = client.get_model_metadata("km64")
    assert model.platform == "pith:kmeans" and list(model.inputs[0].shape) == [-1, 4]
    assert [o.name for o in model.outputs] == ["predict", "transform"]
    X, km = models["X64"][:100], models["km64"]
    for rows in (X[:1], X):  # a single row and a 100-row batch, raw_input_contents
        tensor = triton.InferInput("input", list(rows.shape), "FP64")
        tensor.set_data_from_numpy(rows)
        result = client.infer("km64", [tensor])
        np.testing.assert_array_equal(result.as_numpy("predict"), km.predict(rows))
        np.testing.assert_allclose(result.as_numpy("transform"), km.transform(rows), rtol=1e-12)
    X32, km32 = models["X32"][:10], models["km32"]
    tensor = triton.InferInput("input", [10, 3], "FP32")
    tensor.set_data_from_numpy(X32)
    result = client.infer("km32", [tensor], outputs=[triton.InferRequestedOutput("predict")])
    np.testing.assert_array_equal(result.as_numpy("predict"), km32.predict(X32))
    assert result.get_output("transform") is None


def test_grpc_typed_contents(server, models):
    X, km = models["X64"][:3], models["km64"]
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        request = service_pb2.ModelInferRequest(model_name="km64", id="typed")
        tensor = request.inputs.add(name="input", datatype="FP64", shape=[3, 4])
        tensor.contents.fp64_contents.extend(X.ravel().tolist())
        request.outputs.add(name="predict")
        response = stub.ModelInfer(request)
        assert response.id == "typed" and response.model_version == "1"
        labels = np.frombuffer(response.raw_output_contents[0], dtype=np.int32)
        np.testing.assert_array_equal(labels, km.predict(X))
        # fp32_contents into a float64 model: converted.
        request = service_pb2.ModelInferRequest(model_name="km64")
        tensor = request.inputs.add(name="input", datatype="FP32", shape=[4])
        tensor.contents.fp32_contents.extend(X[0].astype(np.float32).tolist())
        response = stub.ModelInfer(request)
        assert list(response.outputs[0].shape) == [1]


def test_grpc_health(server):
    with grpc.insecure_channel(server.grpc_url) as channel:
        check = channel.unary_unary(HEALTH)
        # HealthCheckResponse{status: SERVING (1)} is the two bytes 08 01.
        assert check(b"") == b"\x08\x01"
        service = b"inference.GRPCInferenceService"
        assert check(b"\x0a" + bytes([len(service)]) + service) == b"\x08\x01"


# --- The bad-input table --------------------------------------------------------------------

ROW = [0.5, 1.0, 1.5, 2.0]
BAD_INPUTS = [
    # (name, model, version, datatype, shape, data, expected REST status, gRPC code, message part)
    ("unknown model", "nope", None, "FP64", [1, 4], ROW, 404, "NOT_FOUND", "unknown model 'nope'"),
    ("unknown version", "km64", "7", "FP64", [1, 4], ROW, 404, "NOT_FOUND", "no version '7'"),
    ("wrong shape", "km64", None, "FP64", [1, 2, 2], ROW, 400, "INVALID_ARGUMENT", "has rank 3"),
    ("wrong dtype", "km64", None, "INT64", [1, 4], ROW, 400, "INVALID_ARGUMENT",
     "datatype 'INT64' is not supported; expected FP32 or FP64"),
    ("wrong feature count", "km64", None, "FP64", [1, 3], ROW[:3], 400, "INVALID_ARGUMENT",
     "3 features per row, the model expects 4"),
    ("shape and data disagree", "km64", None, "FP64", [2, 4], ROW, 400, "INVALID_ARGUMENT",
     "needs 8 values"),
    ("NaN", "km64", None, "FP64", [1, 4], [0.5, float("nan"), 1.5, 2.0], 400, "INVALID_ARGUMENT",
     "column 1 is NaN"),
    ("empty batch", "km64", None, "FP64", [0, 4], [], 400, "INVALID_ARGUMENT", "empty batch"),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_grpc(server, case):
    name, model, version, datatype, shape, data, _, code, message = case
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        request = service_pb2.ModelInferRequest(model_name=model, model_version=version or "")
        request.inputs.add(name="input", datatype=datatype, shape=shape)
        dtype = np.int64 if datatype == "INT64" else np.float64
        request.raw_input_contents.append(np.asarray(data, dtype=dtype).tobytes())
        with pytest.raises(grpc.RpcError) as error:
            stub.ModelInfer(request)
    assert error.value.code().name == code, error.value.details()
    assert message in error.value.details()
    assert_healthy(server)


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c[0] != "NaN"],
                         ids=[c[0] for c in BAD_INPUTS if c[0] != "NaN"])
def test_bad_input_rest(server, case):
    name, model, version, datatype, shape, data, status, _, message = case
    body = {"inputs": [{"name": "input", "shape": shape, "datatype": datatype, "data": data}]}
    response = rest_infer(server, model, body, version)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert_healthy(server)


@pytest.mark.parametrize("body, message", [
    ("{bad json", "malformed JSON"),
    ('{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1, NaN, 3, 4]}]}',
     "malformed JSON"),  # JSON has no NaN: refused by the parser
    ('[1, 2]', "must be a JSON object"),
    ('{"inputs": []}', "exactly one input"),
    ('{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1, "a", 3, 4]}]}',
     "must hold numbers (or null for a missing value"),
    ('{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1, null, 3, 4]}]}',
     "column 1 is NaN; values must be finite"),  # null is missing: k-means has no use for it
    ('{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}],'
     ' "outputs": [{"name": "proba"}]}', "has no output 'proba'; its outputs: predict, transform"),
])
def test_malformed_json(server, body, message):
    response = rest_infer(server, "km64", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert_healthy(server)


def test_malformed_protobuf(server):
    with grpc.insecure_channel(server.grpc_url) as channel:
        infer = channel.unary_unary(INFER)
        with pytest.raises(grpc.RpcError) as error:
            infer(b"\xff\xff\xff\xff garbage")
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "not a valid inference.ModelInferRequest" in error.value.details()
        with pytest.raises(grpc.RpcError) as error:
            infer(b"")  # a valid, empty ModelInferRequest
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
        assert "the request names no model" in error.value.details()
    assert_healthy(server)


def test_oversized_message(server):
    big = np.full((40_000, 4), 0.123456789)  # 1.28 MB raw, 2 MB as JSON: over a 1 MiB limit
    client = triton.InferenceServerClient(server.grpc_url)
    tensor = triton.InferInput("input", list(big.shape), "FP64")
    tensor.set_data_from_numpy(big)
    with pytest.raises(InferenceServerException) as error:
        client.infer("km64", [tensor])
    assert "RESOURCE_EXHAUSTED" in str(error.value.status())
    body = {"inputs": [{"name": "input", "shape": [40_000, 4], "datatype": "FP64",
                        "data": big.ravel().tolist()}]}
    response = rest_infer(server, "km64", body)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["error"]
    assert_healthy(server)


def test_unknown_route_and_model_metadata_errors(server):
    response = requests.get(server.http_url + "/v3/whatever")
    assert response.status_code == 404 and "no route" in response.json()["error"]
    response = requests.get(server.http_url + "/v2/models/nope")
    assert response.status_code == 404 and "unknown model 'nope'" in response.json()["error"]
    client = triton.InferenceServerClient(server.grpc_url)
    with pytest.raises(InferenceServerException) as error:
        client.get_model_metadata("nope")
    assert "NOT_FOUND" in str(error.value.status())


# --- Every kind: a classifier pipeline with string labels -----------------------------------


def test_serves_a_classifier_pipeline_with_string_labels(tmp_path):
    from sklearn.datasets import load_iris

    from pith.linear_model import LogisticRegression
    from pith.pipeline import make_pipeline
    from pith.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, labels)
    model.save(tmp_path / "iris.pith")
    rows = X[::30]
    with Server("--model", f"iris={tmp_path / 'iris.pith'}") as server:
        meta = requests.get(server.http_url + "/v2/models/iris").json()
        assert meta["platform"] == "pith:pipeline"
        outputs = {o["name"]: o for o in meta["outputs"]}
        assert outputs["predict"]["datatype"] == "BYTES"
        assert outputs["predict_proba"]["shape"] == [-1, 3]
        body = rest_infer(server, "iris", {
            "inputs": [{"name": "input", "shape": list(rows.shape), "datatype": "FP64",
                        "data": rows.tolist()}],
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}).json()
        answers = {o["name"]: o for o in body["outputs"]}
        assert answers["predict"]["data"] == model.predict(rows).tolist()
        np.testing.assert_allclose(np.reshape(answers["predict_proba"]["data"], (len(rows), 3)),
                                   model.predict_proba(rows), rtol=1e-9)
        client = triton.InferenceServerClient(server.grpc_url)
        tensor = triton.InferInput("input", list(rows.shape), "FP64")
        tensor.set_data_from_numpy(rows)
        result = client.infer("iris", [tensor], outputs=[triton.InferRequestedOutput("predict")])
        assert [b.decode() for b in result.as_numpy("predict")] == model.predict(rows).tolist()


# --- Every kind: a tree ensemble takes missing values ----------------------------------------


def test_serves_a_tree_ensemble_with_missing_values(tmp_path):
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import HistGradientBoostingClassifier

    import pith

    X, y = load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[::7, 3] = np.nan
    sk = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    model = pith.from_sklearn(sk)
    model.save(tmp_path / "cancer.pith")
    rows = X[:20]
    assert np.isnan(rows).any()
    with Server("--model", f"cancer={tmp_path / 'cancer.pith'}") as server:
        meta = requests.get(server.http_url + "/v2/models/cancer").json()
        assert meta["platform"] == "pith:tree_ensemble"
        data = [[None if np.isnan(v) else v for v in row] for row in rows.tolist()]
        body = rest_infer(server, "cancer", {
            "inputs": [{"name": "input", "shape": list(rows.shape), "datatype": "FP64",
                        "data": data}],
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}).json()
        answers = {o["name"]: o for o in body["outputs"]}
        assert answers["predict"]["data"] == sk.predict(rows).tolist()
        np.testing.assert_array_equal(np.reshape(answers["predict_proba"]["data"], (20, 2)),
                                      sk.predict_proba(rows))
        client = triton.InferenceServerClient(server.grpc_url)
        tensor = triton.InferInput("input", list(rows.shape), "FP64")
        tensor.set_data_from_numpy(rows)
        result = client.infer("cancer", [tensor],
                              outputs=[triton.InferRequestedOutput("decision_function")])
        np.testing.assert_array_equal(result.as_numpy("decision_function").ravel(),
                                      sk.decision_function(rows))
