// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import jakarta.ws.rs.core.GenericType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import org.gitlab4j.api.AbstractApi;
import org.gitlab4j.api.GitLabApi;
import org.gitlab4j.api.GitLabApiException;
import org.gitlab4j.api.GitLabApiForm;

/**
 * The CI/CD variable calls of {@code /projects/:id/variables} and {@code /groups/:id/variables} with the attributes
 * gitlab4j 6.2.0's {@code ProjectApi}/{@code GroupApi} cannot send: {@code masked_and_hidden} (create only),
 * {@code raw}, {@code description}, and {@code filter[environment_scope]} to address one of several variables with
 * the same key. A small subclass of gitlab4j's public {@link AbstractApi}, so transport, authentication, error
 * parsing and base URL handling stay gitlab4j's. Also avoids {@code GroupApi}'s 4-argument overloads, which send
 * {@code masked=false} explicitly: every flag is always sent as the mapping says.
 *
 * @see <a href="https://docs.gitlab.com/api/project_level_variables/">Project-level CI/CD variables API</a>
 */
final class GitLabVariablesApi extends AbstractApi {

    private static final int PER_PAGE = 100;
    private static final int MAX_PAGES = 50;

    /** {@code projects} or {@code groups}. */
    private final String kind;
    private final Object idOrPath;

    GitLabVariablesApi(GitLabApi api, boolean group, String idOrPath) throws GitLabApiException {
        super(api);
        this.kind = group ? "groups" : "projects";
        Object id = idOrPath.chars().allMatch(Character::isDigit) ? (Object) Long.valueOf(idOrPath) : idOrPath;
        this.idOrPath = group ? getGroupIdOrPath(id) : getProjectIdOrPath(id);
    }

    /** Every variable, page by page ({@code X-Next-Page}). */
    List<GitLabVariable> list() throws GitLabApiException {
        List<GitLabVariable> out = new ArrayList<>();
        for (int page = 1; page <= MAX_PAGES; page++) {
            MultivaluedHashMap<String, String> query = new MultivaluedHashMap<>();
            query.add(PAGE_PARAM, Integer.toString(page));
            query.add(PER_PAGE_PARAM, Integer.toString(PER_PAGE));
            Response response = get(Response.Status.OK, query, kind, idOrPath, "variables");
            List<GitLabVariable> items = response.readEntity(new GenericType<List<GitLabVariable>>() { });
            out.addAll(items);
            String next = response.getHeaderString("X-Next-Page");
            if (next == null || next.isBlank() || items.isEmpty()) {
                break;
            }
        }
        return out;
    }

    /** POST: every attribute the create endpoint knows; {@code masked_and_hidden} only when hiding. */
    GitLabVariable create(DesiredVariable v) throws GitLabApiException {
        GitLabApiForm form = new GitLabApiForm()
                .withParam("key", v.key(), true)
                .withParam("value", v.value(), true)
                .withParam("variable_type", v.flags().file() ? "file" : "env_var")
                .withParam("protected", v.flags().isProtected())
                .withParam("masked", v.flags().masked())
                .withParam("raw", v.flags().raw())
                .withParam("environment_scope", v.environmentScope())
                .withParam("description", v.description());
        if (v.flags().hidden()) {
            form.withParam("masked_and_hidden", true);
        }
        Response response = post(Response.Status.CREATED, form, kind, idOrPath, "variables");
        return response.readEntity(GitLabVariable.class);
    }

    /** PUT, addressed by key and {@code filter[environment_scope]}; hidden cannot be changed by an update. */
    GitLabVariable update(DesiredVariable v) throws GitLabApiException {
        GitLabApiForm form = new GitLabApiForm()
                .withParam("value", v.value(), true)
                .withParam("variable_type", v.flags().file() ? "file" : "env_var")
                .withParam("protected", v.flags().isProtected())
                .withParam("masked", v.flags().masked())
                .withParam("raw", v.flags().raw())
                .withParam("description", v.description())
                .withParam("filter[environment_scope]", v.environmentScope());
        Response response = putWithFormData(Response.Status.OK, form, kind, idOrPath, "variables", v.key());
        return response.readEntity(GitLabVariable.class);
    }

    void delete(String key, String environmentScope) throws GitLabApiException {
        MultivaluedHashMap<String, String> query = new MultivaluedHashMap<>();
        query.add("filter[environment_scope]", environmentScope);
        delete(Response.Status.NO_CONTENT, query, kind, idOrPath, "variables", key);
    }
}
