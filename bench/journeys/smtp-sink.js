// A real SMTP server on loopback, in a process of its own (so the benchmark's runner does not share
// its event loop): prints its port, then the count of messages it was given on each line of input.
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 256,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.server.address().port }));
});
process.stdin.on('data', () => console.log(JSON.stringify({ received })));
process.stdin.on('end', () => server.close(() => process.exit(0)));
