import os, schemathesis
from hypothesis import given, settings, HealthCheck, seed
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

def test_proto(app, client, bearer, make_country, make_request):
    make_country("GN", missions=[{"name": "Emb"}])
    for i in range(3):
        make_request("GN", submitted_on="2026-01-05")
    headers = bearer("staff")
    raw = client.get("/api/v1/openapi.json", headers=headers).json
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    total = 0
    for result in schema.get_all_operations():
        op = result.ok()
        n = [0]
        @seed(int(os.environ.get("SEED", "1")))
        @given(case=op.as_strategy())
        @settings(max_examples=int(os.environ.get("N", "100")), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            n[0] += 1
            response = case.call(headers=headers)
            if response.status_code >= 500: print("   BAD", response.status_code, case.method, case.formatted_path, case.path_parameters, case.query, repr(case.body)[:300])
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
        try:
            run()
        except BaseException as e:
            print("FAIL", op.method, op.path)
            for l in str(e).splitlines():
                if l.strip(): print("   ", l[:400])
        print(op.method, op.path, n[0])
        total += n[0]
    print("total", total)
