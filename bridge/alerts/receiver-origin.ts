// What a view for readers shows of an alert receiver's URL: its origin only, never its path, where
// webhook URLs often carry a token (Slack's /services/T…/B…/secret).

export const receiverOrigin = (url: string): string => new URL(url).origin;
