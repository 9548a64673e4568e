// The alert channels: SMTP email through nodemailer, and a JSON webhook.
import nodemailer, { type Transporter } from "nodemailer";
import type pg from "pg";
import { type Alert, type AlertChannel, Alerter, renderAlert } from "./alerts.ts";
import { type AlertsConfig, alertsEnvironmentKeys } from "./config.ts";

export class SmtpChannel implements AlertChannel {
  readonly name = "email";
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #to: string[];

  constructor(smtp: NonNullable<AlertsConfig["smtp"]>, env: NodeJS.ProcessEnv = process.env) {
    const password = env[alertsEnvironmentKeys.smtpPassword];
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user && password ? { auth: { user: smtp.user, pass: password } } : {}),
    });
    this.#from = smtp.from;
    this.#to = smtp.to;
  }

  async send(alert: Alert): Promise<void> {
    await this.#transport.sendMail({
      from: this.#from,
      to: this.#to,
      subject: `[cloudburst ${alert.severity}] ${alert.title}`,
      text: renderAlert(alert),
      headers: { "X-Cloudburst-Alert-Key": alert.key },
    });
  }
}

export class WebhookChannel implements AlertChannel {
  readonly name = "webhook";
  readonly webhook: NonNullable<AlertsConfig["webhook"]>;
  constructor(webhook: NonNullable<AlertsConfig["webhook"]>) {
    this.webhook = webhook;
  }

  async send(alert: Alert): Promise<void> {
    const response = await fetch(this.webhook.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...alert, text: renderAlert(alert) }),
      signal: AbortSignal.timeout(this.webhook.timeoutMs),
    });
    if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
  }
}

/** The channels the configuration names. */
export function configuredChannels(
  config: AlertsConfig,
  env: NodeJS.ProcessEnv = process.env,
): AlertChannel[] {
  return [
    ...(config.smtp ? [new SmtpChannel(config.smtp, env)] : []),
    ...(config.webhook ? [new WebhookChannel(config.webhook)] : []),
  ];
}

/** The alerter the configuration describes, recording in `pool` when there is one. */
export function alerterFromConfig(
  config: AlertsConfig,
  pool: pg.Pool | null,
  env: NodeJS.ProcessEnv = process.env,
): Alerter {
  return new Alerter(config, configuredChannels(config, env), pool);
}
