// A Node producer, as the seed writes it: `queueService.addJob('email', {...})`.
import { QueueService } from '@lilith/queue';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('REDIS_URL is not set');

const queueService = new QueueService<{ email: { to: string; template: string; data: { name: string } } }>({ connection: redisUrl });
try {
  const jobId = await queueService.addJob('email', {
    to: 'user@example.com',
    template: 'welcome',
    data: { name: 'Alice' },
  });
  console.log(JSON.stringify({ jobId }));
} finally {
  await queueService.close();
}
