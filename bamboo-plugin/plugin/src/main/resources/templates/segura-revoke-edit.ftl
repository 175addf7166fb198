[#-- SPDX-License-Identifier: Apache-2.0 --]
[#-- "Segura: revoke" has no fields: it revokes every session the job's lease tasks recorded. --]
[@ui.bambooSection titleKey='segura.revoke.section' descriptionKey='segura.revoke.description']
[/@ui.bambooSection]
