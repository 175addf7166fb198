{{/* SPDX-License-Identifier: Apache-2.0 */}}

{{- define "segura-broker.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already names the chart. */}}
{{- define "segura-broker.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "segura-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "segura-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "segura-broker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "segura-broker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: broker
app.kubernetes.io/part-of: segura
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "segura-broker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "segura-broker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "segura-broker.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The ConfigMap holding the trust YAML: the chart's own, or the operator's. */}}
{{- define "segura-broker.trustConfigMap" -}}
{{- if .Values.trust.existingConfigMap }}
{{- .Values.trust.existingConfigMap }}
{{- else }}
{{- printf "%s-trust" (include "segura-broker.fullname" .) }}
{{- end }}
{{- end }}

{{/* The name of the broker's port (container, Service, probes, NetworkPolicy): it says the protocol served on it. */}}
{{- define "segura-broker.portName" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* Where the TLS volume is mounted: a directory, never subPath files (deployment.yaml says why). */}}
{{- define "segura-broker.tlsDir" -}}
/etc/segura/tls
{{- end }}

{{/*
Cross-field checks the schema cannot phrase clearly. Each failure names the value and the fix.
*/}}
{{- define "segura-broker.validate" -}}
{{- if and .Values.trust.config .Values.trust.existingConfigMap }}
{{- fail "trust: set exactly one of trust.config (the YAML) and trust.existingConfigMap, not both" }}
{{- end }}
{{- if not (or .Values.trust.config .Values.trust.existingConfigMap) }}
{{- fail "trust: set trust.config (the trust YAML, DESIGN §9) or trust.existingConfigMap (a ConfigMap of yours holding it)" }}
{{- end }}
{{- if and .Values.networkPolicy.enabled (not .Values.networkPolicy.egress.postgresql.to) }}
{{- fail "networkPolicy.egress.postgresql.to: name where PostgreSQL is (ipBlock, namespaceSelector or podSelector peers), or set networkPolicy.enabled=false" }}
{{- end }}
{{- if and (not .Values.tls.enabled) (or .Values.tls.existingSecret .Values.tls.clientCaSecret) }}
{{- fail "tls: tls.existingSecret or tls.clientCaSecret is set but tls.enabled is false; set tls.enabled=true (the broker would serve plain http) or remove them" }}
{{- end }}
{{- if and .Values.ingress.enabled .Values.networkPolicy.enabled (not .Values.networkPolicy.ingress.ingressControllerNamespaceSelector) }}
{{- fail "networkPolicy.ingress.ingressControllerNamespaceSelector: name the namespace of your ingress controller, or the NetworkPolicy keeps it out" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling: minReplicas (%d) is above maxReplicas (%d)" (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
