// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The facts of Tekton's CRD schemas that the catalog's manifests touch, to check them with <b>unknown fields as
 * errors</b>, as the API server does (the CRDs set {@code preserveUnknownFields: false}; {@code kubectl apply}
 * refuses unknown fields with field validation Strict, the default of kubectl ≥ 1.27).
 *
 * <p>Source: tektoncd/pipeline {@code config/300-crds/300-{task,taskrun,pipeline,pipelinerun,stepaction}.yaml} at
 * commit 3ee1745ae5b2 (v1.15.0 + 49 commits), read with the search tools; checked against the tags v0.59.0 … v1.15.0
 * for StepAction's versions. Only field names per object level, required fields, scalar types and served versions
 * are written down here, never the files:
 * <ul>
 *   <li><b>StepAction is served at {@code v1alpha1} and {@code v1beta1} only</b> (storage {@code v1beta1}); v0.59
 *       served v1alpha1 alone, v0.60 added v1beta1, and no tag up to v1.15.0 serves {@code tekton.dev/v1}, so
 *       {@code kubectl apply} of a v1 StepAction fails ("no matches for kind StepAction in version tekton.dev/v1").
 *       Its v1beta1 schema has {@code spec.results} (StepResult) and {@code spec.securityContext}.</li>
 *   <li>Task, TaskRun, Pipeline and PipelineRun are served at {@code v1beta1} and {@code v1} (storage v1); the facts
 *       below are v1's, so a v1beta1 manifest is reported as unchecked rather than passed.</li>
 *   <li>Where a CRD keeps unknown fields ({@code x-kubernetes-preserve-unknown-fields}: param defaults and values,
 *       a result's {@code value}, {@code Task.spec.volumes}, {@code podTemplate.securityContext}, a PipelineTask's
 *       {@code taskSpec}) this class applies Kubernetes core/v1 facts instead (Volume, PodSecurityContext) or
 *       accepts any value; {@code metadata} is Kubernetes ObjectMeta (the CRDs say only {@code type: object}).</li>
 * </ul>
 */
final class TektonSchema {

    /** A schema node: what a value at one place of a manifest may be. */
    sealed interface Node permits Obj, ListOf, Scalar {
    }

    /** An object: its allowed fields and the required ones. */
    record Obj(Map<String, Node> fields, Set<String> required) implements Node {
    }

    record ListOf(Node item) implements Node {
    }

    /** A leaf: a typed scalar, a map of strings, or anything (where the CRD keeps unknown fields). */
    enum Scalar implements Node {
        STRING, INTEGER, BOOLEAN, STRING_MAP, ANY
    }

    /** One served kind: the versions the CRD serves, the version these facts describe, and its root. */
    record Kind(String name, Set<String> served, String checked, Obj root) {
    }

    private static final Scalar S = Scalar.STRING;
    private static final Scalar I = Scalar.INTEGER;
    private static final Scalar B = Scalar.BOOLEAN;
    private static final Scalar ANY = Scalar.ANY;

    /** Builds an {@link Obj}: {@code f(name, node)} for each field, {@code req(name…)} for required ones. */
    private static final class ObjBuilder {
        private final Map<String, Node> fields = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();

        ObjBuilder f(String name, Node node) {
            fields.put(name, node);
            return this;
        }

        ObjBuilder any(String... names) {
            for (String n : names) {
                fields.put(n, ANY);
            }
            return this;
        }

        ObjBuilder req(String... names) {
            required.addAll(List.of(names));
            return this;
        }

        Obj build() {
            return new Obj(Map.copyOf(fields), Set.copyOf(required));
        }
    }

    private static ObjBuilder obj() {
        return new ObjBuilder();
    }

    private static ListOf list(Node item) {
        return new ListOf(item);
    }

    // ---- Kubernetes ObjectMeta (what a manifest may set) -------------------------------------------------------
    static final Obj METADATA = obj().f("name", S).f("generateName", S).f("namespace", S)
            .f("labels", Scalar.STRING_MAP).f("annotations", Scalar.STRING_MAP).any("finalizers", "ownerReferences")
            .build();

    // ---- shared pieces (identical in every CRD that has them) ---------------------------------------------------
    static final Obj PARAM_SPEC = obj().req("name").f("name", S).f("type", S).f("description", S).f("default", ANY)
            .f("enum", list(S)).f("properties", ANY).build();
    static final Obj PARAM = obj().req("name", "value").f("name", S).f("value", ANY).build();
    static final Obj STEP_RESULT = obj().req("name").f("name", S).f("type", S).f("description", S)
            .f("properties", ANY).build();
    static final Obj ENV_VAR = obj().req("name").f("name", S).f("value", S)
            .f("valueFrom", obj().any("configMapKeyRef", "fieldRef", "fileKeyRef", "resourceFieldRef", "secretKeyRef")
                    .build())
            .build();
    static final Obj SECURITY_CONTEXT = obj().f("allowPrivilegeEscalation", B).f("privileged", B)
            .f("readOnlyRootFilesystem", B).f("runAsNonRoot", B).f("runAsUser", I).f("runAsGroup", I)
            .f("procMount", S).f("capabilities", obj().f("add", list(S)).f("drop", list(S)).build())
            .f("seccompProfile", obj().req("type").f("type", S).f("localhostProfile", S).build())
            .any("appArmorProfile", "seLinuxOptions", "windowsOptions").build();
    static final Obj VOLUME_MOUNT = obj().req("name", "mountPath").f("name", S).f("mountPath", S).f("readOnly", B)
            .f("subPath", S).f("subPathExpr", S).f("mountPropagation", S).f("recursiveReadOnly", S).build();
    static final Obj KEY_TO_PATH = obj().req("key", "path").f("key", S).f("path", S).f("mode", I).build();
    static final Obj PROJECTED = obj().f("defaultMode", I).f("sources", list(obj()
            .f("serviceAccountToken", obj().req("path").f("audience", S).f("expirationSeconds", I).f("path", S)
                    .build())
            .f("configMap", obj().f("name", S).f("items", list(KEY_TO_PATH)).f("optional", B).build())
            .f("secret", obj().f("name", S).f("items", list(KEY_TO_PATH)).f("optional", B).build())
            .any("clusterTrustBundle", "downwardAPI", "podCertificate").build())).build();
    static final Obj EMPTY_DIR = obj().f("medium", S).f("sizeLimit", ANY).build();
    static final Obj CONFIG_MAP_SOURCE = obj().f("name", S).f("items", list(KEY_TO_PATH)).f("defaultMode", I)
            .f("optional", B).build();
    static final Obj SECRET_SOURCE = obj().f("secretName", S).f("items", list(KEY_TO_PATH)).f("defaultMode", I)
            .f("optional", B).build();
    /** Kubernetes core/v1 Volume ({@code Task.spec.volumes} keeps unknown fields in the CRD). */
    static final Obj VOLUME = obj().req("name").f("name", S).f("projected", PROJECTED).f("emptyDir", EMPTY_DIR)
            .f("configMap", CONFIG_MAP_SOURCE).f("secret", SECRET_SOURCE)
            .any("persistentVolumeClaim", "csi", "downwardAPI", "ephemeral", "hostPath", "image", "nfs").build();
    static final Obj REF_WITH_RESOLVER = obj().f("name", S).f("resolver", S).f("params", list(PARAM)).build();

    // ---- StepAction v1beta1 ------------------------------------------------------------------------------------
    static final Obj STEP_ACTION_SPEC = obj().f("description", S).f("params", list(PARAM_SPEC))
            .f("results", list(STEP_RESULT)).f("image", S).f("command", list(S)).f("args", list(S))
            .f("env", list(ENV_VAR)).f("script", S).f("workingDir", S).f("securityContext", SECURITY_CONTEXT)
            .f("volumeMounts", list(VOLUME_MOUNT)).build();

    // ---- Task v1 -----------------------------------------------------------------------------------------------
    static final Obj STEP = obj().req("name").f("name", S).f("displayName", S).f("image", S).f("command", list(S))
            .f("args", list(S)).f("workingDir", S).f("env", list(ENV_VAR)).f("script", S).f("onError", S)
            .f("timeout", S).f("imagePullPolicy", S).f("securityContext", SECURITY_CONTEXT)
            .f("volumeMounts", list(VOLUME_MOUNT)).f("ref", REF_WITH_RESOLVER).f("params", list(PARAM))
            .f("results", list(STEP_RESULT))
            .any("computeResources", "envFrom", "volumeDevices", "workspaces", "stdoutConfig", "stderrConfig", "when")
            .build();
    static final Obj STEP_TEMPLATE = obj().f("image", S).f("command", list(S)).f("args", list(S)).f("workingDir", S)
            .f("env", list(ENV_VAR)).f("imagePullPolicy", S).f("securityContext", SECURITY_CONTEXT)
            .f("volumeMounts", list(VOLUME_MOUNT)).any("computeResources", "envFrom", "volumeDevices").build();
    static final Obj TASK_RESULT = obj().req("name").f("name", S).f("type", S).f("description", S)
            .f("properties", ANY).f("value", ANY).build();
    static final Obj WORKSPACE_DECLARATION = obj().req("name").f("name", S).f("description", S).f("mountPath", S)
            .f("readOnly", B).f("optional", B).build();
    static final Obj TASK_SPEC = obj().f("description", S).f("displayName", S).f("params", list(PARAM_SPEC))
            .f("results", list(TASK_RESULT)).f("workspaces", list(WORKSPACE_DECLARATION))
            .f("stepTemplate", STEP_TEMPLATE).f("steps", list(STEP)).f("volumes", list(VOLUME)).any("sidecars")
            .build();

    // ---- TaskRun v1 --------------------------------------------------------------------------------------------
    static final Obj WORKSPACE_BINDING = obj().req("name").f("name", S).f("subPath", S).f("emptyDir", EMPTY_DIR)
            .f("projected", PROJECTED).f("configMap", CONFIG_MAP_SOURCE).f("secret", SECRET_SOURCE)
            .any("persistentVolumeClaim", "csi", "volumeClaimTemplate").build();
    /** Kubernetes core/v1 PodSecurityContext ({@code podTemplate.securityContext} keeps unknown fields). */
    static final Obj POD_SECURITY_CONTEXT = obj().f("fsGroup", I).f("fsGroupChangePolicy", S).f("runAsUser", I)
            .f("runAsGroup", I).f("runAsNonRoot", B).f("supplementalGroups", list(I))
            .f("supplementalGroupsPolicy", S).f("seLinuxChangePolicy", S)
            .f("seccompProfile", obj().req("type").f("type", S).f("localhostProfile", S).build())
            .any("appArmorProfile", "seLinuxOptions", "sysctls", "windowsOptions").build();
    static final Obj POD_TEMPLATE = obj().f("securityContext", POD_SECURITY_CONTEXT).f("volumes", list(VOLUME))
            .f("env", list(ENV_VAR)).f("nodeSelector", Scalar.STRING_MAP).f("automountServiceAccountToken", B)
            .f("hostNetwork", B).f("hostUsers", B).f("enableServiceLinks", B).f("dnsPolicy", S)
            .f("priorityClassName", S).f("runtimeClassName", S).f("schedulerName", S)
            .any("affinity", "dnsConfig", "hostAliases", "imagePullSecrets", "tolerations",
                    "topologySpreadConstraints")
            .build();
    static final Obj TASK_REF = obj().f("name", S).f("kind", S).f("apiVersion", S).f("resolver", S)
            .f("params", list(PARAM)).build();
    static final Obj TASK_RUN_SPEC = obj().f("params", list(PARAM)).f("taskRef", TASK_REF).f("taskSpec", TASK_SPEC)
            .f("serviceAccountName", S).f("workspaces", list(WORKSPACE_BINDING)).f("podTemplate", POD_TEMPLATE)
            .f("timeout", S).f("retries", I).f("status", S).f("statusMessage", S).f("managedBy", S)
            .any("computeResources", "debug", "sidecarSpecs", "stepSpecs").build();

    // ---- Pipeline v1 and PipelineRun v1 -------------------------------------------------------------------------
    static final Obj PIPELINE_TASK = obj().f("name", S).f("displayName", S).f("description", S)
            .f("taskRef", TASK_REF).f("params", list(PARAM)).f("runAfter", list(S)).f("retries", I).f("timeout", S)
            .f("onError", S).f("workspaces", list(obj().req("name").f("name", S).f("workspace", S)
                    .f("subPath", S).build()))
            .any("taskSpec", "pipelineRef", "pipelineSpec", "matrix", "when").build();
    static final Obj PIPELINE_SPEC = obj().f("description", S).f("displayName", S).f("params", list(PARAM_SPEC))
            .f("workspaces", list(obj().req("name").f("name", S).f("description", S).f("optional", B).build()))
            .f("tasks", list(PIPELINE_TASK)).f("finally", list(PIPELINE_TASK))
            .f("results", list(obj().req("name", "value").f("name", S).f("type", S).f("description", S)
                    .f("value", ANY).build()))
            .build();
    static final Obj PIPELINE_RUN_SPEC = obj().f("params", list(PARAM))
            .f("pipelineRef", obj().f("name", S).f("apiVersion", S).f("resolver", S).f("params", list(PARAM))
                    .build())
            .f("taskRunTemplate", obj().f("serviceAccountName", S).f("podTemplate", POD_TEMPLATE).build())
            .f("workspaces", list(WORKSPACE_BINDING)).f("status", S).f("managedBy", S)
            .any("pipelineSpec", "taskRunSpecs", "timeouts").build();

    private static Obj root(Obj spec) {
        return obj().req("apiVersion", "kind", "metadata").f("apiVersion", S).f("kind", S).f("metadata", METADATA)
                .f("spec", spec).build();
    }

    static final Map<String, Kind> KINDS = Map.of(
            "StepAction", new Kind("StepAction", Set.of("v1alpha1", "v1beta1"), "v1beta1", root(STEP_ACTION_SPEC)),
            "Task", new Kind("Task", Set.of("v1beta1", "v1"), "v1", root(TASK_SPEC)),
            "TaskRun", new Kind("TaskRun", Set.of("v1beta1", "v1"), "v1", root(TASK_RUN_SPEC)),
            "Pipeline", new Kind("Pipeline", Set.of("v1beta1", "v1"), "v1", root(PIPELINE_SPEC)),
            "PipelineRun", new Kind("PipelineRun", Set.of("v1beta1", "v1"), "v1", root(PIPELINE_RUN_SPEC)));

    private TektonSchema() {
    }

    /** Every way {@code doc} departs from the facts: unknown fields, missing required ones, wrong types. */
    static List<String> violations(Map<String, Object> doc) {
        List<String> out = new ArrayList<>();
        Object kindName = doc.get("kind");
        Kind kind = KINDS.get(kindName);
        if (kind == null) {
            out.add("kind " + kindName + " is none of " + KINDS.keySet());
            return out;
        }
        Object apiVersion = doc.get("apiVersion");
        String version = apiVersion instanceof String v && v.startsWith("tekton.dev/")
                ? v.substring("tekton.dev/".length()) : null;
        if (version == null || !kind.served().contains(version)) {
            out.add("apiVersion " + apiVersion + " is not served for " + kind.name() + " (the CRD serves tekton.dev/"
                    + String.join(", tekton.dev/", kind.served().stream().sorted().toList()) + ")");
        } else if (!version.equals(kind.checked())) {
            out.add("apiVersion " + apiVersion + ": only the schema facts of tekton.dev/" + kind.checked()
                    + " are recorded for " + kind.name());
        }
        check(doc, kind.root(), kind.name(), out);
        if (doc.get("metadata") instanceof Map<?, ?> meta && meta.get("name") == null
                && meta.get("generateName") == null) {
            out.add(kind.name() + ".metadata: name or generateName is required");
        }
        return out;
    }

    static void check(Object value, Node node, String path, List<String> out) {
        if (node instanceof Obj o) {
            if (!(value instanceof Map<?, ?> map)) {
                out.add(path + ": expected an object, got " + describe(value));
                return;
            }
            for (String r : o.required()) {
                if (!map.containsKey(r)) {
                    out.add(path + "." + r + ": required field missing");
                }
            }
            map.forEach((k, v) -> {
                Node child = o.fields().get(String.valueOf(k));
                if (child == null) {
                    out.add(path + "." + k + ": unknown field (allowed: " + o.fields().keySet().stream().sorted()
                            .toList() + ")");
                } else {
                    check(v, child, path + "." + k, out);
                }
            });
        } else if (node instanceof ListOf l) {
            if (!(value instanceof List<?> items)) {
                out.add(path + ": expected a list, got " + describe(value));
                return;
            }
            for (int i = 0; i < items.size(); i++) {
                check(items.get(i), l.item(), path + "[" + i + "]", out);
            }
        } else {
            Scalar s = (Scalar) node;
            boolean ok = switch (s) {
                case STRING -> value instanceof String;
                case INTEGER -> value instanceof Integer || value instanceof Long;
                case BOOLEAN -> value instanceof Boolean;
                case STRING_MAP -> value instanceof Map<?, ?> m
                        && m.values().stream().allMatch(v -> v instanceof String);
                case ANY -> true;
            };
            if (!ok) {
                out.add(path + ": expected " + s.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                        + ", got " + describe(value));
            }
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
    }
}
