{{/* Names, labels and small computed values shared by every template. */}}

{{- define "strata.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-strata, or the release name alone when it already contains the chart name. */}}
{{- define "strata.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "strata.nodeName" -}}{{ include "strata.fullname" . }}-node{{- end -}}
{{- define "strata.headlessName" -}}{{ include "strata.fullname" . }}-node-headless{{- end -}}
{{- define "strata.proxyName" -}}{{ include "strata.fullname" . }}-proxy{{- end -}}

{{- define "strata.labels" -}}
app.kubernetes.io/name: {{ include "strata.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: include "strata.selectorLabels" (list $ "node") */}}
{{- define "strata.selectorLabels" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ include "strata.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "strata.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Pods in the StatefulSet: every shard's master plus its replicas. */}}
{{- define "strata.nodeCount" -}}
{{- mul (int .Values.shards) (add1 (int .Values.replicasPerShard)) -}}
{{- end -}}

{{- define "strata.authSecretName" -}}
{{- default (printf "%s-auth" (include "strata.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "strata.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "strata.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{/* The password as an environment variable, from the auth Secret. */}}
{{- define "strata.passwordEnv" -}}
{{- if .Values.auth.enabled }}
- name: STRATA_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "strata.authSecretName" . }}
      key: password
- name: REDISCLI_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ include "strata.authSecretName" . }}
      key: password
{{- end }}
{{- end -}}
