// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.plugin.spring.scanner.annotation.imports.ComponentImport;
import com.atlassian.sal.api.user.UserKey;
import com.atlassian.sal.api.user.UserManager;
import io.segura.bamboo.core.AdminSettingsForm;
import io.segura.bamboo.core.StoredSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.inject.Inject;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;

/**
 * Administration › Segura secrets ({@code /plugins/servlet/segura/admin}): broker URL and client credentials. Only
 * Bamboo system administrators get the page; a POST must carry the form token issued with the page (kept in the
 * user's HTTP session), so another site cannot submit it. The page logic is {@link AdminSettingsForm}.
 */
public class SeguraAdminServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String PATH = "/plugins/servlet/segura/admin";
    private static final String TOKEN_ATTRIBUTE = "io.segura.bamboo.formToken";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final transient UserManager users;
    private final transient SettingsStore settings;

    @Inject
    public SeguraAdminServlet(@ComponentImport UserManager users, SettingsStore settings) {
        this.users = users;
        this.settings = settings;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admin(req, resp)) {
            return;
        }
        page(req, resp, settings.load(), null);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admin(req, resp)) {
            return;
        }
        HttpSession session = req.getSession(false);
        Object expected = session == null ? null : session.getAttribute(TOKEN_ATTRIBUTE);
        String presented = req.getParameter(AdminSettingsForm.FORM_TOKEN);
        if (!(expected instanceof String) || presented == null || !MessageDigest.isEqual(
                ((String) expected).getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "The form expired or came from another page: reload"
                    + " Administration › Segura secrets and submit again.");
            return;
        }
        Map<String, String> form = new LinkedHashMap<>();
        for (String name : new String[] {AdminSettingsForm.BROKER_URL, AdminSettingsForm.CLIENT_ID,
                AdminSettingsForm.CLIENT_SECRET, AdminSettingsForm.REMOVE_CLIENT_ID}) {
            String v = req.getParameter(name);
            if (v != null) {
                form.put(name, v);
            }
        }
        StoredSettings current = settings.load();
        AdminSettingsForm.Result result = AdminSettingsForm.apply(current, form);
        if (result.saved()) {
            settings.save(result.settings());
        }
        page(req, resp, result.settings(), result);
    }

    private boolean admin(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        UserKey user = users.getRemoteUserKey(req);
        if (user == null || !users.isSystemAdmin(user)) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "Segura's settings are for Bamboo system"
                    + " administrators.");
            return false;
        }
        return true;
    }

    private static void page(HttpServletRequest req, HttpServletResponse resp, StoredSettings s,
            AdminSettingsForm.Result result) throws IOException {
        HttpSession session = req.getSession(true);
        Object token = session.getAttribute(TOKEN_ATTRIBUTE);
        if (!(token instanceof String)) {
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            session.setAttribute(TOKEN_ATTRIBUTE, token);
        }
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(AdminSettingsForm.render(s, result, req.getContextPath() + PATH, (String) token));
    }
}
