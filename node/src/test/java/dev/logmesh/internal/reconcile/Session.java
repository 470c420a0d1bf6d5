package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Runs a whole session between two storages in memory and keeps what it saw. */
final class Session {
    final List<Item> have = new ArrayList<>();
    final List<Need> need = new ArrayList<>();
    int rounds;
    long bytesUp;
    long bytesDown;
    int largestUp;
    int largestDown;

    static Session run(ItemStorage client, ReconcileOptions clientOptions, ItemStorage server,
            ReconcileOptions serverOptions, int maxRounds) {
        Session s = new Session();
        Initiator initiator = Initiator.create(client, clientOptions);
        Responder responder = Responder.create(server, serverOptions);
        byte[] msg = initiator.initiate();
        while (msg != null) {
            if (++s.rounds > maxRounds) {
                fail("no end after " + maxRounds + " rounds");
            }
            s.bytesUp += msg.length;
            s.largestUp = Math.max(s.largestUp, msg.length);
            byte[] answer = responder.reconcile(msg);
            s.bytesDown += answer.length;
            s.largestDown = Math.max(s.largestDown, answer.length);
            Round round = initiator.reconcile(answer);
            s.have.addAll(round.have());
            s.need.addAll(round.need());
            msg = round.reply();
        }
        assertTrue(initiator.isDone());
        return s;
    }

    Set<ItemId> haveIds() {
        Set<ItemId> ids = new HashSet<>();
        have.forEach(i -> ids.add(i.id()));
        return ids;
    }

    Set<ItemId> needIds() {
        Set<ItemId> ids = new HashSet<>();
        need.forEach(n -> ids.add(n.id()));
        return ids;
    }
}
