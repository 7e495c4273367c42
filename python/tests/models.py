"""Small multi-task models for the recorder's tests, written as a PyTorch user would."""
import torch
from torch import nn


class TinyMMoE(nn.Module):
    """MMoE on a user field, an item field and dense features: 2 experts, a gate and a tower per task."""

    def __init__(self, users=12, items=9, dim=4, dense=3, hidden=6, experts=2, tasks=3, padding_idx=None,
                 user_table="embedding"):
        super().__init__()
        # "bag": an EmbeddingBag of one-id bags; "sparse": an Embedding with sparse gradients. Both
        # compute what the plain table computes.
        self.user = (nn.EmbeddingBag(users, dim, mode="sum") if user_table == "bag"
                     else nn.Embedding(users, dim, sparse=user_table == "sparse"))
        self.item = nn.Embedding(items, dim, padding_idx=padding_idx)
        width = 2 * dim + dense
        self.experts = nn.ModuleList(nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
                                     for _ in range(experts))
        self.gates = nn.ModuleList(nn.Linear(width, experts) for _ in range(tasks))
        self.towers = nn.ModuleList(nn.Sequential(nn.Linear(hidden, 4), nn.Tanh(), nn.Linear(4, 1)) for _ in range(tasks))

    def forward(self, user, item, dense):
        users = self.user(user.unsqueeze(1)) if isinstance(self.user, nn.EmbeddingBag) else self.user(user)
        x = torch.cat([users, self.item(item), dense], 1)
        h = torch.stack([e(x) for e in self.experts], 1)
        out = [tower((torch.softmax(gate(x), 1).unsqueeze(2) * h).sum(1)) for gate, tower in zip(self.gates, self.towers)]
        return torch.cat(out, 1)


def batches(steps, batch=16, users=12, items=9, dense=3, tasks=3, seed=0):
    """Deterministic batches with repeated users."""
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        yield (torch.randint(0, users, (batch,), generator=g), torch.randint(0, items, (batch,), generator=g),
               torch.randn(batch, dense, generator=g), (torch.rand(batch, tasks, generator=g) > 0.5).float())


def task_losses(model, user, item, dense, labels):
    out = model(user, item, dense)
    return torch.stack([nn.functional.binary_cross_entropy_with_logits(out[:, k], labels[:, k])
                        for k in range(labels.shape[1])])
