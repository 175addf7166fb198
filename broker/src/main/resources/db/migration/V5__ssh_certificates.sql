-- SPDX-License-Identifier: Apache-2.0
-- SSH user certificates signed by the `ssh` dynamic-secret engines (DESIGN §6a, issue 17); portable between
-- PostgreSQL and H2 like V1.
--
-- Serials come from one sequence shared by every CA, so a serial names one certificate of this broker (and never 0,
-- which PROTOCOL.certkeys reserves for "unnumbered"). A certificate cannot be revoked early on a host that does not
-- load the KRL; revoked_at feeds GET /api/v2/ssh/{ca}/krl for the hosts that do. ca_key is the signing CA's public
-- key (`TYPE BASE64`), so a KRL still names certificates signed by a CA key that was replaced since.
CREATE SEQUENCE ssh_certificate_serials START WITH 1 INCREMENT BY 1;

CREATE TABLE ssh_certificates (
    serial                  bigint        PRIMARY KEY,
    engine                  varchar(128)  NOT NULL,
    ca_key                  varchar(1024) NOT NULL,
    lease_id                varchar(64),
    key_id                  varchar(1024) NOT NULL,
    principals              text          NOT NULL,
    public_key_fingerprint  varchar(64)   NOT NULL,
    valid_after             timestamp with time zone NOT NULL,
    valid_before            timestamp with time zone NOT NULL,
    issued_at               timestamp with time zone NOT NULL,
    revoked_at              timestamp with time zone
);
CREATE INDEX ssh_certificates_lease ON ssh_certificates (lease_id);
-- The KRL reads one engine's revoked, not long expired certificates.
CREATE INDEX ssh_certificates_revoked ON ssh_certificates (engine, revoked_at, valid_before);
