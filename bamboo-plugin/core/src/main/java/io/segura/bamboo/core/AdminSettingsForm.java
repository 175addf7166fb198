// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The global settings page (Administration › Segura secrets) without the servlet around it: applies a submitted form
 * to the stored settings and renders the page. A client secret is write-only: the page never shows it, not even
 * masked, and a blank secret field keeps the stored one. The servlet checks that the user is a Bamboo system
 * administrator and the form's anti-forgery token before it calls {@link #apply}.
 */
public final class AdminSettingsForm {

    public static final String BROKER_URL = "brokerUrl";
    public static final String CLIENT_ID = "clientId";
    public static final String CLIENT_SECRET = "clientSecret";
    public static final String REMOVE_CLIENT_ID = "removeClientId";
    public static final String FORM_TOKEN = "formToken";

    private AdminSettingsForm() {
    }

    /**
     * The outcome of a submission.
     *
     * @param settings what to store (the unchanged settings when {@code errors} is not empty)
     * @param errors   field → problem
     * @param notices  what changed, for the page
     */
    public record Result(StoredSettings settings, Map<String, String> errors, List<String> notices) {

        public Result {
            errors = Map.copyOf(errors);
            notices = List.copyOf(notices);
        }

        public boolean saved() {
            return errors.isEmpty() && !notices.isEmpty();
        }
    }

    /** Applies a submitted form (parameter → value) to {@code current}. */
    public static Result apply(StoredSettings current, Map<String, String> form) {
        Map<String, String> errors = new java.util.LinkedHashMap<>();
        List<String> notices = new ArrayList<>();
        StoredSettings next = current;
        String url = trim(form.get(BROKER_URL));
        if (url != null && !url.equals(current.brokerUrl())) {
            try {
                next = next.withBrokerUrl(BrokerUrl.parse(url).toString());
                notices.add("Broker URL set to " + next.brokerUrl() + ".");
            } catch (TaskFailure e) {
                errors.put(BROKER_URL, e.getMessage());
            }
        }
        String remove = trim(form.get(REMOVE_CLIENT_ID));
        if (remove != null) {
            if (next.clientIds().contains(remove)) {
                next = next.withoutClient(remove);
                notices.add("Client " + remove + " removed.");
            } else {
                errors.put(REMOVE_CLIENT_ID, "client \"" + remove + "\" is not configured");
            }
        }
        String id = trim(form.get(CLIENT_ID));
        String secret = form.get(CLIENT_SECRET) == null || form.get(CLIENT_SECRET).isEmpty() ? null
                : form.get(CLIENT_SECRET);
        if (id != null) {
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._:@-]*") || id.length() > 200) {
                errors.put(CLIENT_ID, "\"" + id + "\" is not a client id: letters, digits and . _ : @ -, as in the"
                        + " broker's `clients:` id");
            } else if (secret == null) {
                if (!next.clientIds().contains(id)) {
                    errors.put(CLIENT_SECRET, "client \"" + id + "\" is new: enter its secret");
                }
            } else if (secret.length() < 16 || !secret.strip().equals(secret)) {
                // The message never echoes the secret.
                errors.put(CLIENT_SECRET, "the client secret must be at least 16 characters without surrounding"
                        + " spaces");
            } else {
                boolean replaced = next.clientIds().contains(id);
                next = next.withClient(id, secret);
                notices.add("Client " + id + (replaced ? ": secret replaced." : " added."));
            }
        } else if (secret != null) {
            errors.put(CLIENT_ID, "a client secret was entered without its client id");
        }
        return errors.isEmpty() ? new Result(next, errors, notices) : new Result(current, errors, List.of());
    }

    /** The page: broker URL, configured client ids (never secrets), a form to add or replace a client. */
    public static String render(StoredSettings settings, Result result, String actionUrl, String formToken) {
        Map<String, String> errors = result == null ? Map.of() : result.errors();
        StringBuilder h = new StringBuilder(2048);
        h.append("<html><head><title>Segura secrets</title>")
                .append("<meta name=\"decorator\" content=\"atl.admin\"/></head><body>\n")
                .append("<h1>Segura secrets</h1>\n")
                .append("<p>Bamboo authenticates to the Segura broker as an OAuth 2.0 client; the broker's trust")
                .append(" config lists the client under <code>clients:</code> with the SHA-256 of its secret and")
                .append(" binds it to roles. Secrets are write-only here.</p>\n");
        if (result != null) {
            for (String n : result.notices()) {
                h.append("<p class=\"segura-notice\">").append(escape(n)).append("</p>\n");
            }
            for (Map.Entry<String, String> e : errors.entrySet()) {
                h.append("<p class=\"segura-error\">").append(escape(e.getKey())).append(": ")
                        .append(escape(e.getValue())).append("</p>\n");
            }
        }
        h.append("<form method=\"post\" action=\"").append(escape(actionUrl)).append("\">\n")
                .append(hidden(FORM_TOKEN, formToken))
                .append("<label>Broker URL <input type=\"text\" name=\"").append(BROKER_URL).append("\" value=\"")
                .append(escape(settings.brokerUrl() == null ? "" : settings.brokerUrl()))
                .append("\" size=\"60\"/></label><br/>\n")
                .append("<label>Client id <input type=\"text\" name=\"").append(CLIENT_ID)
                .append("\" value=\"\"/></label>\n")
                .append("<label>Client secret <input type=\"password\" name=\"").append(CLIENT_SECRET)
                .append("\" value=\"\" autocomplete=\"new-password\"/></label>\n")
                .append("<button type=\"submit\">Save</button>\n</form>\n")
                .append("<h2>Configured clients</h2>\n<ul>\n");
        for (String id : settings.clientIds()) {
            h.append("<li>").append(escape(id)).append(" (secret set) <form method=\"post\" action=\"")
                    .append(escape(actionUrl)).append("\" style=\"display:inline\">")
                    .append(hidden(FORM_TOKEN, formToken)).append(hidden(REMOVE_CLIENT_ID, id))
                    .append("<button type=\"submit\">Remove</button></form></li>\n");
        }
        if (settings.clientIds().isEmpty()) {
            h.append("<li>none yet</li>\n");
        }
        h.append("</ul>\n</body></html>\n");
        return h.toString();
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + escape(value) + "\"/>";
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
