"""Checks on the rendered Kubernetes manifests and the Dockerfile (run by scripts/deploy-checks.sh).

    python manifest_checks.py --versions 1.30.0,1.37.0 --dockerfile Dockerfile --dockerignore .dockerignore \
        base=RENDERED.yaml try-it=RENDERED.yaml ...

Every rendered document is validated with kubernetes-validate against each Kubernetes version, strictly (an
unknown field is an error, and so is a kind it has no schema for). Then the properties the deployment relies on,
which a schema cannot see: the security context of every container, resources, the probes on /health and
/ready, a grace period longer than the gateway's drain, secrets only from Secrets, selectors and references that
resolve, and an image whose user, port and health check agree with the manifests.

Prints one `PASS name` or `FAIL name: reason` line per check; exits 1 when any failed.
"""

import argparse
import base64
import re
import sys
from urllib.parse import urlsplit

import kubernetes_validate
import yaml

GATEWAY = "archestra"
# Names of variables that hold secrets: they may only come from a Secret, never a literal or a ConfigMap.
SECRET_NAME = re.compile(r"(_API_KEY|_TOKEN|PASSWORD|SECRET|^DATABASE_URL)$")
REQUIRED_SECRETS = ("DATABASE_URL", "ARCHESTRA_ADMIN_TOKEN")
OPTIONAL_SECRETS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "ARCHESTRA_METRICS_TOKEN")
# The gateway's defaults (README) when the ConfigMap does not set them, and the time left for the log flush.
DEFAULT_DRAIN, DEFAULT_TIMEOUT, FLUSH_MARGIN = 5, 30, 10
# The Secret the base refers to and leaves to the operator (secret.example.yaml).
EXTERNAL_SECRET = "archestra"


class Checks:
    """Named checks that keep going after a failure, and count."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, function):
        try:
            function()
        except AssertionError as error:
            self.failed += 1
            print(f"FAIL {name}: {error}", flush=True)
            return
        except Exception as error:  # a malformed document is a failure, not a crash
            self.failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
            return
        self.passed += 1
        print(f"PASS {name}", flush=True)


def load(path):
    with open(path) as file:
        return [document for document in yaml.safe_load_all(file) if document]


def kind_name(document):
    return f"{document['kind'].lower()}/{document['metadata']['name']}"


def find(documents, kind, name=None):
    return [d for d in documents if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(documents, kind, name=None):
    found = find(documents, kind, name)
    assert len(found) == 1, f"expected one {kind}{' ' + name if name else ''}, found {len(found)}"
    return found[0]


def workloads(documents):
    return [d for d in documents if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job")]


def pod_spec(workload):
    return workload["spec"]["template"]["spec"]


def containers(workload):
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def gateway_container(documents):
    deployment = one(documents, "Deployment", GATEWAY)
    return deployment, next(c for c in pod_spec(deployment)["containers"] if c["name"] == GATEWAY)


def config_value(documents, container, name):
    """The value a container gets for a variable from a literal or a ConfigMap it loads; None when unset."""
    for variable in container.get("env", []):
        if variable["name"] == name and "value" in variable:
            return variable["value"]
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            for config_map in find(documents, "ConfigMap", source["configMapRef"]["name"]):
                if name in config_map.get("data", {}):
                    return config_map["data"][name]
    return None


def matches(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


# -- schema ------------------------------------------------------------------------------------------------------

def validate(documents, version):
    def run():
        errors = []
        for document in documents:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(item) for item in error.path)
                errors.append(f"{kind_name(document)} {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                errors.append(f"{kind_name(document)}: no schema ({error.message})")
        assert not errors, "; ".join(errors)
    return run


# -- security and resources -----------------------------------------------------------------------------------------

def security(workload):
    def run():
        spec = pod_spec(workload)
        pod = spec.get("securityContext", {})
        assert spec.get("automountServiceAccountToken") is False, "automountServiceAccountToken is not false"
        assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccompProfile is not RuntimeDefault"
        for container in containers(workload):
            context = container.get("securityContext", {})
            name = container["name"]
            assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, f"{name}: runAsNonRoot is not true"
            user = context.get("runAsUser", pod.get("runAsUser"))
            assert isinstance(user, int) and user > 0, f"{name}: no numeric non-root runAsUser"
            assert context.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation is not false"
            assert context.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem is not true"
            assert context.get("privileged", False) is False, f"{name}: privileged"
            assert "ALL" in context.get("capabilities", {}).get("drop", []), f"{name}: capabilities do not drop ALL"
            assert not context.get("capabilities", {}).get("add"), f"{name}: adds capabilities"
    return run


def resources(workload):
    def run():
        for container in containers(workload):
            limits = container.get("resources", {}).get("limits", {})
            requests = container.get("resources", {}).get("requests", {})
            for key in ("cpu", "memory"):
                assert key in requests, f"{container['name']}: no {key} request"
                assert key in limits, f"{container['name']}: no {key} limit"
    return run


def no_literal_secrets(documents):
    def run():
        for workload in workloads(documents):
            for container in containers(workload):
                for variable in container.get("env", []):
                    if SECRET_NAME.search(variable["name"]):
                        assert "value" not in variable, f"{container['name']}: {variable['name']} is a literal"
        for config_map in find(documents, "ConfigMap"):
            for key in config_map.get("data", {}):
                assert not SECRET_NAME.search(key), f"configmap/{config_map['metadata']['name']} holds {key}"
    return run


# -- the gateway --------------------------------------------------------------------------------------------------

def gateway_secrets(documents):
    def run():
        _, container = gateway_container(documents)
        env = {variable["name"]: variable for variable in container.get("env", [])}
        for name in REQUIRED_SECRETS + OPTIONAL_SECRETS:
            assert name in env, f"{name} is not set"
            reference = env[name].get("valueFrom", {}).get("secretKeyRef")
            assert reference, f"{name} does not come from a Secret"
            optional = reference.get("optional", False)
            assert optional == (name in OPTIONAL_SECRETS), f"{name}: optional is {optional}"
    return run


def gateway_probes(documents):
    def run():
        _, container = gateway_container(documents)
        ports = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
        expected = {"livenessProbe": "/health", "readinessProbe": "/ready", "startupProbe": "/health"}
        for probe, path in expected.items():
            get = container.get(probe, {}).get("httpGet")
            assert get, f"no {probe} with httpGet"
            assert get["path"] == path, f"{probe} asks {get['path']}, not {path}"
            assert get["port"] in ports or get["port"] in ports.values(), f"{probe} port {get['port']} is not declared"
        port = config_value(documents, container, "ARCHESTRA_PORT") or "9000"
        assert int(port) in ports.values(), f"ARCHESTRA_PORT {port} is not a container port"
        host = config_value(documents, container, "ARCHESTRA_HOST") or "127.0.0.1"
        assert host in ("0.0.0.0", "::"), f"ARCHESTRA_HOST {host}: probes and the Service could not reach it"
    return run


def gateway_grace(documents):
    def run():
        deployment, container = gateway_container(documents)
        drain = int(config_value(documents, container, "ARCHESTRA_SHUTDOWN_DRAIN_SECONDS") or DEFAULT_DRAIN)
        timeout = int(config_value(documents, container, "ARCHESTRA_SHUTDOWN_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT)
        grace = pod_spec(deployment).get("terminationGracePeriodSeconds", 30)
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        needed = pre_stop + drain + timeout + FLUSH_MARGIN
        assert grace >= needed, f"terminationGracePeriodSeconds {grace} < preStop {pre_stop} + drain {drain} + " \
            f"timeout {timeout} + {FLUSH_MARGIN} for the flush"
    return run


def gateway_scaling(documents):
    def run():
        deployment, _ = gateway_container(documents)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        hpa = one(documents, "HorizontalPodAutoscaler")
        assert hpa["apiVersion"] == "autoscaling/v2", f"HPA is {hpa['apiVersion']}"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"]), \
            f"HPA targets {target['kind']}/{target['name']}"
        metrics = [m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"]
        assert "cpu" in metrics, "HPA does not scale on CPU"
        assert "replicas" not in deployment["spec"], "the Deployment sets replicas, which the HPA owns"
        pdb = one(documents, "PodDisruptionBudget")
        assert pdb["apiVersion"] == "policy/v1", f"PDB is {pdb['apiVersion']}"
        assert matches(pdb["spec"]["selector"]["matchLabels"], labels), "PDB selects no gateway pod"
        assert hpa["spec"].get("minReplicas", 1) >= 2, "minReplicas < 2: the PDB would block every drain"
    return run


def gateway_service(documents):
    def run():
        deployment, container = gateway_container(documents)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert matches(deployment["spec"]["selector"]["matchLabels"], labels), "Deployment selector misses its pods"
        service = one(documents, "Service", GATEWAY)
        assert matches(service["spec"]["selector"], labels), "Service selects no gateway pod"
        names = {port.get("name") for port in container["ports"]}
        numbers = {port["containerPort"] for port in container["ports"]}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert target in names or target in numbers, f"Service targetPort {target} is not a container port"
    return run


# -- references ----------------------------------------------------------------------------------------------------

def referenced(workload, kind):
    names = set()
    key = {"Secret": ("secretKeyRef", "secretRef"), "ConfigMap": ("configMapKeyRef", "configMapRef")}[kind]
    for container in containers(workload):
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get(key[0])
            if reference:
                names.add(reference["name"])
        for source in container.get("envFrom", []):
            if key[1] in source:
                names.add(source[key[1]]["name"])
    volume_key = {"Secret": ("secret", "secretName"), "ConfigMap": ("configMap", "name")}[kind]
    for volume in pod_spec(workload).get("volumes", []):
        if volume_key[0] in volume:
            names.add(volume[volume_key[0]][volume_key[1]])
    return names


def references_resolve(documents, external):
    def run():
        for kind in ("Secret", "ConfigMap"):
            present = {d["metadata"]["name"] for d in find(documents, kind)}
            for workload in workloads(documents):
                missing = referenced(workload, kind) - present - (external if kind == "Secret" else set())
                assert not missing, f"{kind_name(workload)} refers to missing {kind} {sorted(missing)}"
    return run


def base_has_no_secret(documents):
    def run():
        secrets = [d["metadata"]["name"] for d in find(documents, "Secret")]
        assert not secrets, f"the base renders Secrets {secrets}: secrets are never committed"
    return run


def try_it_database(documents):
    """The overlay's DATABASE_URL names the PostgreSQL it adds, with that database's credentials."""
    def run():
        def secret_data(name_prefix):
            found = [d for d in find(documents, "Secret") if re.fullmatch(rf"{name_prefix}(-[a-z0-9]{{10}})?",
                                                                              d["metadata"]["name"])]
            assert len(found) == 1, f"expected one Secret {name_prefix}, found {len(found)}"
            data = {k: base64.b64decode(v).decode() for k, v in found[0].get("data", {}).items()}
            data.update(found[0].get("stringData", {}))
            return data

        url = urlsplit(secret_data(GATEWAY)["database-url"])
        database = secret_data(f"{GATEWAY}-postgres")
        assert url.scheme in ("postgres", "postgresql"), f"DATABASE_URL scheme {url.scheme}"
        assert (url.username, url.password) == (database["username"], database["password"]), \
            "DATABASE_URL's credentials are not the database's"
        assert url.path.lstrip("/") == database["database"], "DATABASE_URL names another database"
        service = one(documents, "Service", url.hostname)
        assert any(p["port"] == (url.port or 5432) for p in service["spec"]["ports"]), "no such Service port"
        statefulset = one(documents, "StatefulSet", url.hostname)
        labels = statefulset["spec"]["template"]["metadata"]["labels"]
        assert matches(service["spec"]["selector"], labels), "the database Service selects no database pod"
        namespaces = {d["metadata"].get("namespace") for d in documents if d["kind"] != "Namespace"}
        assert len(namespaces) == 1 and None not in namespaces, f"objects spread over namespaces {namespaces}"
        one(documents, "Namespace", namespaces.pop())
    return run


# -- the image ------------------------------------------------------------------------------------------------------

def dockerfile_instructions(path):
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comment lines dropped."""
    lines, current = [], ""
    with open(path) as file:
        for raw in file:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            if current.strip():
                instruction, _, arguments = current.strip().partition(" ")
                lines.append((instruction.upper(), arguments.strip()))
            current = ""
    return lines


def image_matches(dockerfile, documents):
    def run():
        instructions = dockerfile_instructions(dockerfile)
        stages = [args for ins, args in instructions if ins == "FROM"]
        assert len(stages) >= 2, "not a multi-stage build"
        build = " ".join(args for ins, args in instructions if ins == "RUN")
        assert "--static-swift-stdlib" in build, "the release build does not link the standard library statically"
        users = [args for ins, args in instructions if ins == "USER"]
        assert users, "no USER: the container would run as root"
        uid = users[-1].split(":")[0]
        assert uid.isdigit() and int(uid) > 0, f"USER {users[-1]} is not a numeric non-root user"
        health = [args for ins, args in instructions if ins == "HEALTHCHECK"]
        assert health and "/health" in health[-1], "no HEALTHCHECK on /health"
        exposed = {int(p.split("/")[0]) for ins, args in instructions if ins == "EXPOSE" for p in args.split()}
        deployment, container = gateway_container(documents)
        pod_user = container.get("securityContext", {}).get("runAsUser",
                                                            pod_spec(deployment).get("securityContext", {}).get("runAsUser"))
        assert pod_user == int(uid), f"the pod runs as {pod_user}, the image as {uid}"
        ports = {port["containerPort"] for port in container["ports"]}
        assert ports <= exposed, f"container ports {sorted(ports)} not exposed by the image ({sorted(exposed)})"
    return run


def context_complete(dockerfile, dockerignore):
    """Every path COPY takes from the build context is let through by the .dockerignore allowlist."""
    def run():
        with open(dockerignore) as file:
            rules = [line.strip() for line in file if line.strip() and not line.startswith("#")]
        assert rules and rules[0] == "*", ".dockerignore does not start by excluding everything"
        allowed = [rule[1:].rstrip("/") for rule in rules[1:] if rule.startswith("!")]
        for instruction, arguments in dockerfile_instructions(dockerfile):
            if instruction != "COPY" or "--from=" in arguments:
                continue
            sources = [word for word in arguments.split() if not word.startswith("--")][:-1]
            for source in sources:
                pattern = source.rstrip("/").removeprefix("./")
                ok = any(re.fullmatch(pattern.replace(".", r"\.").replace("*", ".*"), name) for name in allowed)
                assert ok, f"COPY {source}: excluded by .dockerignore"
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", required=True, help="Kubernetes versions, comma-separated")
    parser.add_argument("--dockerfile")
    parser.add_argument("--dockerignore")
    parser.add_argument("rendered", nargs="+", help="LABEL=FILE; LABEL starting with 'base' or 'try-it'")
    options = parser.parse_args()
    checks = Checks()
    gateway_documents = None
    for item in options.rendered:
        label, _, path = item.partition("=")
        documents = []
        checks.check(f"{label}: parses as YAML", lambda: documents.extend(load(path)))
        if not documents:
            continue
        for version in options.versions.split(","):
            checks.check(f"{label}: {len(documents)} documents valid for Kubernetes {version} (kubernetes-validate --strict)",
                         validate(documents, version))
        for workload in workloads(documents):
            checks.check(f"{label}: {kind_name(workload)} security context", security(workload))
            checks.check(f"{label}: {kind_name(workload)} resource requests and limits", resources(workload))
        checks.check(f"{label}: no secret in a literal or a ConfigMap", no_literal_secrets(documents))
        checks.check(f"{label}: gateway secrets from the Secret", gateway_secrets(documents))
        checks.check(f"{label}: gateway probes on /health and /ready", gateway_probes(documents))
        checks.check(f"{label}: grace period covers drain, timeout and flush", gateway_grace(documents))
        checks.check(f"{label}: HPA on CPU and PDB match the Deployment", gateway_scaling(documents))
        checks.check(f"{label}: Service selects the gateway", gateway_service(documents))
        if label.startswith("base"):
            checks.check(f"{label}: no Secret committed", base_has_no_secret(documents))
            checks.check(f"{label}: references resolve (Secret {EXTERNAL_SECRET} external)",
                         references_resolve(documents, {EXTERNAL_SECRET}))
            gateway_documents = documents
        else:
            checks.check(f"{label}: references resolve", references_resolve(documents, set()))
            checks.check(f"{label}: DATABASE_URL points at the added PostgreSQL", try_it_database(documents))
    if options.dockerfile and gateway_documents is not None:
        checks.check("Dockerfile: multi-stage, static stdlib, user, port and health check match the manifests",
                     image_matches(options.dockerfile, gateway_documents))
    if options.dockerfile and options.dockerignore:
        checks.check(".dockerignore lets through everything the Dockerfile copies",
                     context_complete(options.dockerfile, options.dockerignore))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
